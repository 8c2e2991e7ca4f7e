#!/usr/bin/env node
// Node's seed HTTP hello world, the peer our `http_hello` example is measured against
// (benches/compare-http.sh): every request gets 200, `Content-Type: text/plain` and
// `Hello, world!\n`, on a keep-alive connection (Node's HTTP/1.1 default).
//
//   node benches/node/http_hello.js [PORT]    PORT defaults to 3000; 0 picks a free port.
//
// Binds 127.0.0.1 and prints `listening on 127.0.0.1:PORT` (the real port) once listening.
'use strict';

const http = require('http');

const arg = process.argv[2];
const port = arg === undefined ? 3000 : Number(arg);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`http_hello: bad port ${JSON.stringify(arg)}`);
  process.exit(2);
}

const server = http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  res.end('Hello, world!\n');
});

server.on('error', (err) => {
  console.error(`http_hello: ${err.message}`);
  process.exit(1);
});

server.listen(port, '127.0.0.1', () => {
  const { address, port: bound } = server.address();
  console.log(`listening on ${address}:${bound}`);
});
