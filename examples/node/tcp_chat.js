// Chat server: a `clients` list, each line relayed to everyone else. Ours: examples/tcp_chat.rs.
const net = require('node:net');

const port = Number(process.argv[2] ?? 8080);
const clients = [];

function broadcast(message, sender) {
  for (const client of clients) {
    if (client !== sender) client.write(message);
  }
}

const server = net.createServer((socket) => {
  socket.name = `${socket.remoteAddress}:${socket.remotePort}`;
  clients.push(socket);
  socket.write(`Welcome ${socket.name}\n`);
  broadcast(`${socket.name} joined the chat\n`, socket);
  let pending = '';
  socket.on('data', (data) => {
    const lines = (pending + data).split('\n');
    pending = lines.pop();
    for (const line of lines) broadcast(`${socket.name}> ${line}\n`, socket);
  });
  socket.on('close', () => {
    clients.splice(clients.indexOf(socket), 1);
    broadcast(`${socket.name} left the chat\n`);
  });
  socket.on('error', () => {});
});
server.listen(port, '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${server.address().port}`);
});
