// UDP client: one datagram, then the reply if one comes within a second. Ours:
// examples/udp_send.rs.
const dgram = require('node:dgram');

const [host, port, message] = process.argv.slice(2);
const client = dgram.createSocket('udp4');
client.on('message', (msg) => {
  console.log(msg.toString());
  process.exit(0);
});
client.on('error', (err) => {
  console.error(`error: ${err.message}`);
  process.exit(1);
});
// Connected, so an ICMP "port unreachable" comes back as ECONNREFUSED.
client.connect(Number(port), host, () => {
  client.send(message);
});
setTimeout(() => {
  console.error('no reply within 1 s');
  process.exit(2);
}, 1000);
