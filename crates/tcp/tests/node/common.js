'use strict';
// Shared by the Node helpers of the netcore-tcp integration tests.
const net = require('net');
const path = require('path');
const readline = require('readline');

// A helper never outlives a broken test (unref'd: it does not keep the process alive).
setTimeout(() => fail('timed out'), 45_000).unref();

function fail(msg) {
  console.error(`${path.basename(process.argv[1])}: ${msg}`);
  process.exit(1);
}

// The byte at offset i of a test stream: the top byte of a multiplicative hash of the offset
// (`pattern_byte` in tests/common/mod.rs).
function patternByte(i) {
  return Math.imul(i, 0x9e3779b1) >>> 24;
}

function fill(buf, offset) {
  for (let i = 0; i < buf.length; i++) buf[i] = patternByte(offset + i);
  return buf;
}

// The index of the first byte of `buf` that differs from the pattern at `offset`, or -1.
function mismatch(buf, offset) {
  for (let i = 0; i < buf.length; i++) if (buf[i] !== patternByte(offset + i)) return i;
  return -1;
}

// "127.0.0.1:PORT", "[::1]:PORT" or a Unix socket path, as net.connect options.
function target(arg) {
  if (arg.includes('/')) return { path: arg };
  const i = arg.lastIndexOf(':');
  return { host: arg.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(arg.slice(i + 1)) };
}

// "127.0.0.1" (any port) or a Unix socket path, as server.listen options.
function listenOptions(arg) {
  return arg.includes('/') ? { path: arg } : { host: arg, port: 0 };
}

// Prints the line the Rust side waits for.
function announce(server) {
  const a = server.address();
  const addr = typeof a === 'string' ? a : a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
  console.log(`listening on ${addr}`);
}

// Calls `cb` with each line the test writes to our stdin.
function onLine(cb) {
  readline.createInterface({ input: process.stdin }).on('line', cb);
}

// Resolves with the first `len` bytes that arrive on `sock` (as a string).
function readBytes(sock, len) {
  return new Promise((resolve, reject) => {
    let got = '';
    const onData = (d) => {
      got += d;
      if (got.length >= len) {
        sock.off('data', onData);
        resolve(got);
      }
    };
    sock.on('data', onData);
    sock.once('error', reject);
  });
}

module.exports = { net, fail, fill, mismatch, target, listenOptions, announce, onLine, readBytes };
