#!/usr/bin/env node
// The two Node sides of benches/ws-idle-deflate.sh (idle compressed WebSocket connections):
//
//   node --expose-gc ws_idle_deflate.js server
//       Node `ws`'s echo server with `perMessageDeflate: true` (every connection keeps its own
//       zlib deflate and inflate streams, context takeover both ways) on 127.0.0.1, a free
//       port; prints `listening on 127.0.0.1:PORT`. On SIGUSR2 it runs a full GC and prints
//       `heap BYTES` (heapUsed + external + arrayBuffers; zlib's own buffers are native memory
//       outside these, only RSS sees them).
//   node ws_idle_deflate.js client URL N [SIZE]
//       N `ws` clients (permessage-deflate offered, `ws`'s client default), opened WAVE at a
//       time; each sends one compressible SIZE-byte text message (default 2048) and checks
//       the echo. Prints `ready N compressed C` once all N have their echo (C: connections
//       that agreed on permessage-deflate), then holds them idle until stdin closes.
//
// `ws` is found through NODE_PATH (target/npm/node_modules; the shell script installs it).
'use strict';

const { WebSocket, WebSocketServer } = require('ws');

const WAVE = 200;
const mode = process.argv[2];

if (mode === 'server') {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: true });
  server.on('connection', (ws) => {
    ws.on('error', () => {});
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
  server.on('error', (err) => {
    console.error(`ws_idle_deflate: ${err.message}`);
    process.exit(1);
  });
  server.on('listening', () => {
    const { address, port } = server.address();
    console.log(`listening on ${address}:${port}`);
  });
  process.on('SIGUSR2', () => {
    global.gc();
    const m = process.memoryUsage();
    console.log(`heap ${m.heapUsed + m.external + m.arrayBuffers}`);
  });
} else if (mode === 'client') {
  const url = process.argv[3];
  const n = Number(process.argv[4]);
  const size = Number(process.argv[5] || 2048);
  if (!url || !Number.isInteger(n) || n <= 0 || !Number.isInteger(size) || size <= 0) {
    console.error('usage: ws_idle_deflate.js client URL N [SIZE]');
    process.exit(2);
  }
  const message = 'netcore websocket idle deflate '.repeat(Math.ceil(size / 31)).slice(0, size);
  const sockets = [];
  let started = 0;
  let echoed = 0;
  let compressed = 0;
  const open = () => {
    const ws = new WebSocket(url);
    sockets.push(ws);
    ws.on('open', () => ws.send(message));
    ws.on('message', (data) => {
      if (data.toString() !== message) {
        console.error(`ws_idle_deflate: bad echo of ${data.length} bytes`);
        process.exit(1);
      }
      if (ws.extensions.includes('permessage-deflate')) compressed++;
      if (++echoed === n) console.log(`ready ${n} compressed ${compressed}`);
      else if (started < n) {
        started++;
        open();
      }
    });
    ws.on('error', (err) => {
      console.error(`ws_idle_deflate: ${err.message}`);
      process.exit(1);
    });
  };
  // WAVE connections in flight; each echo starts the next.
  for (; started < Math.min(WAVE, n); started++) open();
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
} else {
  console.error('usage: ws_idle_deflate.js server | client URL N [SIZE]');
  process.exit(2);
}
