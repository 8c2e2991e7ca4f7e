// Error handling: the `net` docs' server that finds its port taken (EADDRINUSE) and tries again
// a second later. Ours: examples/tcp_errors.rs.
const net = require('node:net');

const port = Number(process.argv[2] ?? 8124);
const server = net.createServer((socket) => {
  socket.pipe(socket);
});
server.on('error', (e) => {
  if (e.code === 'EADDRINUSE') {
    console.error('Address in use, retrying...');
    setTimeout(() => {
      server.close();
      server.listen(port, '127.0.0.1');
    }, 1000);
  } else {
    console.error(`error: ${e.message}`);
    process.exit(1);
  }
});
server.on('listening', () => {
  console.log(`listening on 127.0.0.1:${server.address().port}`);
});
server.listen(port, '127.0.0.1');
