// TCP client: stdin to the server, the server's answer to stdout. Ours: examples/tcp_client.rs.
const net = require('node:net');

const [host, port] = process.argv.slice(2);
const client = net.connect(Number(port), host);
process.stdin.pipe(client);
client.pipe(process.stdout);
client.on('error', (e) => {
  console.error(`error: ${e.message}`);
  process.exit(1);
});
