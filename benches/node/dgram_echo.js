#!/usr/bin/env node
// Node's seed UDP echo server, the peer our `udp_echo` example is measured against
// (benches/compare-udp.sh).
//
//   node benches/node/dgram_echo.js [PORT]    PORT defaults to 41234; 0 picks a free port.
//
// Binds 127.0.0.1 and prints `listening on 127.0.0.1:PORT` (the real port) once listening.
'use strict';

const dgram = require('dgram');

const arg = process.argv[2];
const port = arg === undefined ? 41234 : Number(arg);
if (arg === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`dgram_echo: bad port ${JSON.stringify(arg)}`);
  process.exit(2);
}

const s = dgram.createSocket('udp4');
s.on('message', (msg, rinfo) => s.send(msg, rinfo.port, rinfo.address));

let listening = false;
s.on('error', (err) => {
  // Before listening (EADDRINUSE, EACCES) the server cannot run; after, a failed send only
  // loses that one datagram, which UDP allows.
  console.error(`dgram_echo: ${err.message}`);
  if (!listening) process.exit(1);
});

s.bind(port, '127.0.0.1', () => {
  listening = true;
  const { address, port: bound } = s.address();
  console.log(`listening on ${address}:${bound}`);
});
