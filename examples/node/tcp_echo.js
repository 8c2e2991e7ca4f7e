// TCP server: the `net` echo server. Ours: examples/tcp_echo.rs.
const net = require('node:net');

const port = Number(process.argv[2] ?? 3000);
const server = net.createServer((socket) => {
  socket.pipe(socket);
});
server.listen(port, '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${server.address().port}`);
});
