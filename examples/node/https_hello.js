// HTTPS server: Node's `https` hello world. Ours: examples/https_hello.rs (which can also make
// its own self-signed certificate; here the key and certificate are files).
const https = require('node:https');
const fs = require('node:fs');

const port = Number(process.argv[2] ?? 3443);
const options = {
  key: fs.readFileSync('key.pem'),
  cert: fs.readFileSync('cert.pem'),
};
const server = https.createServer(options, (req, res) => {
  res.writeHead(200);
  res.end('hello world\n');
});
server.listen(port, '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${server.address().port}`);
});
