// UDP server: every datagram back to its sender. Ours: examples/udp_echo.rs.
const dgram = require('node:dgram');

const port = Number(process.argv[2] ?? 41234);
const server = dgram.createSocket('udp4');
server.on('message', (msg, rinfo) => {
  server.send(msg, rinfo.port, rinfo.address, (err) => {
    if (err) console.error(`send to ${rinfo.address}:${rinfo.port}: ${err.message}`);
  });
});
server.on('listening', () => {
  const address = server.address();
  console.log(`listening on ${address.address}:${address.port}`);
});
server.bind(port, '127.0.0.1');
