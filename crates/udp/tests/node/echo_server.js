'use strict';
// echo_server.js HOST: sends every datagram back to its sender until stdin closes; then prints
// `echoed N` and exits 0. Prints `listening on ADDR`.
const { dgram, fail, ECHO_BUFFER, announce, onLine } = require('./common');

const [host] = process.argv.slice(2);
let echoed = 0;
const sock = dgram.createSocket({
  type: host.includes(':') ? 'udp6' : 'udp4',
  recvBufferSize: ECHO_BUFFER,
  sendBufferSize: ECHO_BUFFER,
});
sock.on('error', (e) => fail(`error ${e.code || e.message}`));
sock.on('message', (msg, rinfo) => {
  if (rinfo.size !== msg.length) fail(`rinfo.size ${rinfo.size} for ${msg.length} bytes`);
  echoed++;
  sock.send(msg, rinfo.port, rinfo.address);
});
sock.bind(0, host, () => announce(sock));
onLine(() => {}, () => {
  console.log(`echoed ${echoed}`);
  sock.close();
});
