// File streaming: an HTTP server streaming files from a directory. Ours:
// examples/http_file_server.rs, which also keeps requests inside DIR (`..`, `%2e%2e`, symlinks),
// serves a directory's index.html, and answers HEAD and Range requests with Content-Type.
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');

const dir = process.argv[2];
const port = Number(process.argv[3] ?? 8000);
const server = http.createServer((req, res) => {
  const file = path.join(dir, decodeURIComponent(new URL(req.url, 'http://x').pathname));
  const stream = fs.createReadStream(file);
  stream.on('error', () => {
    res.writeHead(404);
    res.end('not found\n');
  });
  stream.pipe(res);
});
server.listen(port, '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${server.address().port}`);
});
