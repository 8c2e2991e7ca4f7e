// HTTP server: Node's `http` hello world. Ours: examples/http_hello.rs.
const http = require('node:http');

const port = Number(process.argv[2] ?? 3000);
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  res.end('Hello, world!\n');
});
server.listen(port, '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${server.address().port}`);
});
