#!/usr/bin/env node
// Node's seed TCP echo server, the peer our `tcp_echo` example is measured against
// (benches/compare-tcp.sh).
//
//   node benches/node/net_echo.js [PORT]    PORT defaults to 3000; 0 picks a free port.
//
// Binds 127.0.0.1 and prints `listening on 127.0.0.1:PORT` (the real port) once listening.
'use strict';

const net = require('net');

const arg = process.argv[2];
const port = arg === undefined ? 3000 : Number(arg);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`net_echo: bad port ${JSON.stringify(arg)}`);
  process.exit(2);
}

const server = net.createServer((s) => {
  // A load client that aborts (e.g. after detecting corruption) resets its sockets; keep
  // serving the others instead of dying on an unhandled 'error' event.
  s.on('error', () => {});
  s.pipe(s);
});

server.on('error', (err) => {
  console.error(`net_echo: ${err.message}`);
  process.exit(1);
});

server.listen(port, '127.0.0.1', () => {
  const { address, port: bound } = server.address();
  console.log(`listening on ${address}:${bound}`);
});
