#!/usr/bin/env node
// Node `ws`'s WebSocket echo server, a peer our `ws_echo` example is measured against
// (benches/compare-ws.sh): every message is sent back as it came (`ws.send(data, { binary:
// isBinary })`). permessage-deflate is off (`ws`'s server default since 8.0, and our bench client
// does not offer it); pings are answered and a close is echoed by `ws` itself.
//
//   NODE_PATH=target/npm/node_modules node benches/node/ws_echo.js [PORT]
//
// PORT defaults to 8080; 0 picks a free port. `ws` is not part of Node: compare-ws.sh installs it
// under target/npm (`npm install --no-audit --no-fund --prefix target/npm ws@8`) when missing.
// Binds 127.0.0.1 and prints `listening on 127.0.0.1:PORT` (the real port) once listening.
'use strict';

const { WebSocketServer } = require('ws');

const arg = process.argv[2];
const port = arg === undefined ? 8080 : Number(arg);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`ws_echo: bad port ${JSON.stringify(arg)}`);
  process.exit(2);
}

// The default maxPayload (100 MiB) is above the bench's 1 MiB messages.
const server = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false });

server.on('connection', (ws) => {
  // A load client that aborts resets its sockets; keep serving the others instead of dying on
  // an unhandled 'error' event.
  ws.on('error', () => {});
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});

server.on('error', (err) => {
  console.error(`ws_echo: ${err.message}`);
  process.exit(1);
});

server.on('listening', () => {
  const { address, port: bound } = server.address();
  console.log(`listening on ${address}:${bound}`);
});
