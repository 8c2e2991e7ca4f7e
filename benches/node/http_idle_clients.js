// Holds N idle keep-alive HTTP/1.1 connections to a server, for the idle-memory measure of
// benches/compare-http.sh. Each connection sends one `GET /`, reads the whole response (checked:
// 200, body `Hello, world!\n`, not `Connection: close`) and then stays open and silent.
//
//   node benches/node/http_idle_clients.js HOST:PORT N WARM
//
// Protocol on stdio, so the caller can sample the server between the two phases:
//   1. opens WARM connections, prints `held WARM` once each has its response;
//   2. waits for a line on stdin, opens the other N - WARM, prints `held N`;
//   3. when stdin ends, prints `dropped D` (connections the server closed after answering) and
//      exits.
// Errors go to stderr with exit status 1; 2 on the 120 s overall timeout.
'use strict';

const net = require('net');

const [host, port] = (process.argv[2] || '').split(/:(?=\d+$)/);
const n = Number(process.argv[3]);
const warm = Number(process.argv[4]);
if (!port || !Number.isInteger(n) || !Number.isInteger(warm) || n < 1 || warm < 0 || warm > n) {
  console.error('usage: node http_idle_clients.js HOST:PORT N WARM (0 <= WARM <= N, N >= 1)');
  process.exit(2);
}

const REQUEST = Buffer.from(`GET / HTTP/1.1\r\nHost: ${host}:${port}\r\n\r\n`, 'latin1');
const BODY = 'Hello, world!\n';
// Connections in flight (connecting or awaiting their response): a bounded window keeps the
// server's listen backlog from overflowing into SYN retries.
const WINDOW = 256;

const sockets = [];
let opened = 0;
let answered = 0;
let inFlight = 0;
let target = warm;
let dropped = 0;

function fail(msg) {
  console.error(`http_idle_clients: ${msg}`);
  process.exit(1);
}

// The response in buf once complete: { status, head, body }, or null while incomplete.
// Framing per RFC 9112 §6.3: Content-Length or chunked; anything else is not keep-alive.
function parse(buf) {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const head = buf.subarray(0, end).toString('latin1');
  const status = Number(head.slice(9, 12));
  const rest = buf.subarray(end + 4);
  const cl = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head);
  if (cl) {
    const len = Number(cl[1]);
    return rest.length < len ? null : { status, head, body: rest.subarray(0, len).toString() };
  }
  if (!/\r\ntransfer-encoding:[^\r]*chunked/i.test(head)) fail(`response without length: ${head}`);
  let body = '';
  let at = 0;
  for (;;) {
    const eol = rest.indexOf('\r\n', at);
    if (eol < 0) return null;
    const size = parseInt(rest.subarray(at, eol).toString('latin1'), 16);
    if (Number.isNaN(size)) fail('bad chunk size');
    if (size === 0) {
      // No trailers expected: the last chunk ends with an empty line.
      return rest.indexOf('\r\n\r\n', eol) < 0 ? null : { status, head, body };
    }
    if (rest.length < eol + 2 + size + 2) return null;
    body += rest.subarray(eol + 2, eol + 2 + size).toString();
    at = eol + 2 + size + 2;
  }
}

function open() {
  opened++;
  inFlight++;
  let buf = Buffer.alloc(0);
  let done = false;
  const s = net.connect({ host, port: Number(port) }, () => s.write(REQUEST));
  s.on('data', (chunk) => {
    if (done) fail('data on an idle connection');
    buf = Buffer.concat([buf, chunk]);
    const res = parse(buf);
    if (!res) return;
    if (res.status !== 200) fail(`status ${res.status}`);
    if (res.body !== BODY) fail(`body ${JSON.stringify(res.body)}`);
    if (/\r\nconnection:[^\r]*close/i.test(res.head)) fail('server answered Connection: close');
    done = true;
    buf = null;
    inFlight--;
    answered++;
    if (answered === target) console.log(`held ${target}`);
    fill();
  });
  s.on('close', () => {
    if (!done) fail(`connection ${opened} closed before its response`);
    dropped++;
  });
  s.on('error', (e) => fail(`client error ${e.code || e.message}`));
  sockets.push(s);
}

function fill() {
  while (opened < target && inFlight < WINDOW) open();
}

let lines = '';
process.stdin.setEncoding('latin1');
process.stdin.on('data', (d) => {
  lines += d;
  if (target === warm && lines.includes('\n')) {
    target = n;
    if (answered === n) console.log(`held ${n}`);
    fill();
  }
});
process.stdin.on('end', () => {
  process.stdout.write(`dropped ${dropped}\n`, () => process.exit(0));
});

if (warm === 0) console.log('held 0');
fill();
setTimeout(() => { console.error('http_idle_clients: timed out after 120 s'); process.exit(2); }, 120000).unref();
