'use strict';
// echo_client.js TARGET BYTES: sends BYTES of the pattern (with backpressure), ends, and checks
// that every byte comes back in order before the server's end. Exits 0 only if all matched.
const { net, fail, fill, mismatch, target } = require('./common');

const [dest, bytes] = process.argv.slice(2);
const TOTAL = Number(bytes);
const CHUNK = 64 * 1024;
let sent = 0;
let received = 0;
let ended = false;

const sock = net.connect(target(dest));
sock.on('connect', pump);
sock.on('drain', pump);

function pump() {
  while (sent < TOTAL) {
    const n = Math.min(CHUNK, TOTAL - sent);
    const more = sock.write(fill(Buffer.allocUnsafe(n), sent));
    sent += n;
    if (!more) return;
  }
  if (!ended) {
    ended = true;
    sock.end();
  }
}

sock.on('data', (d) => {
  const i = mismatch(d, received);
  if (i >= 0) fail(`byte ${received + i} differs`);
  received += d.length;
  if (received > TOTAL) fail(`more than ${TOTAL} bytes came back`);
});
sock.on('end', () => {
  if (received !== TOTAL) fail(`end after ${received} of ${TOTAL} bytes`);
  console.log(`ok ${received}`);
});
sock.on('error', (e) => fail(`error ${e.code || e.message} after ${received} bytes`));
sock.on('close', () => process.exit(received === TOTAL ? 0 : 1));
