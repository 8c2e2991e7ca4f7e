'use strict';
// Shared by the Node helpers of the netcore-udp integration tests.
const dgram = require('dgram');
const path = require('path');
const readline = require('readline');

// A helper never outlives a broken test (unref'd: it does not keep the process alive).
setTimeout(() => fail('timed out'), 30_000).unref();

function fail(msg) {
  console.error(`${path.basename(process.argv[1])}: ${msg}`);
  process.exit(1);
}

// Kernel buffers of the echo tests (ECHO_BUFFER in tests/common/mod.rs).
const ECHO_BUFFER = 4 << 20;
// Sending window and retransmission (WINDOW, WINDOW_BYTES, RETRANSMIT_AFTER).
const WINDOW = 32;
const WINDOW_BYTES = 1 << 20;
const RETRANSMIT_AFTER_MS = 200;

// ----- the test datagrams (tests/common/mod.rs builds the same) ------------------------------
const MAX_V4 = 65507;
const SPECIAL = [0, 1, 2, 3, MAX_V4, 4, MAX_V4 - 1, 1472, 1473, 1500, 8192, 9000, 32768, 65000];
const PATTERN = Buffer.alloc(2 * 65536);
for (let i = 0; i < PATTERN.length; i++) PATTERN[i] = Math.imul(i, 0x9e3779b1) >>> 24;

function mix(seq) {
  let h = Math.imul(seq, 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

function sizeOf(seq) {
  if (seq < SPECIAL.length) return SPECIAL[seq];
  const h = mix(seq);
  switch (seq % 4) {
    case 0: return 4 + (h % (MAX_V4 - 3));
    case 1: return 4 + (h % 8997);
    default: return 4 + (h % 1469);
  }
}

function datagramOf(seq, size) {
  const d = Buffer.allocUnsafe(size);
  const head = Buffer.alloc(4);
  head.writeUInt32LE(seq);
  head.copy(d, 0, 0, Math.min(4, size));
  if (size > 4) {
    const off = (seq * 7919) % 65536;
    PATTERN.copy(d, 4, off + 4, off + size);
  }
  return d;
}

function datagram(seq) {
  return datagramOf(seq, sizeOf(seq));
}

// Which datagram `buf` is, after checking it byte for byte; fails the helper on a mismatch.
function checkDatagram(buf, count) {
  const seq = buf.length < 4 ? buf.length : buf.readUInt32LE(0);
  if (seq >= count) fail(`datagram of ${buf.length} bytes with sequence number ${seq} of ${count}`);
  if (buf.length !== sizeOf(seq)) fail(`datagram ${seq} has ${buf.length} bytes, want ${sizeOf(seq)}`);
  if (!buf.equals(datagram(seq))) fail(`datagram ${seq} differs`);
  return seq;
}

// "127.0.0.1:PORT" or "[::1]:PORT" as { host, port, type }.
function target(arg) {
  const i = arg.lastIndexOf(':');
  const host = arg.slice(0, i).replace(/^\[|\]$/g, '');
  return { host, port: Number(arg.slice(i + 1)), type: host.includes(':') ? 'udp6' : 'udp4' };
}

function addressOf(sock) {
  const a = sock.address();
  return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

// Prints the line the Rust side waits for.
function announce(sock) {
  console.log(`listening on ${addressOf(sock)}`);
}

// Calls `cb` with each line the test writes to our stdin, and `end` when it closes stdin.
function onLine(cb, end) {
  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', cb);
  if (end) rl.on('close', end);
}

module.exports = {
  dgram, fail, ECHO_BUFFER, WINDOW, WINDOW_BYTES, RETRANSMIT_AFTER_MS,
  sizeOf, datagram, datagramOf, checkDatagram, target, addressOf, announce, onLine,
};
