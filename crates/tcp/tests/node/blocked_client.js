'use strict';
// blocked_client.js TARGET BYTES: writes BYTES at once (more than the kernel buffers hold) to a
// server that does not read; `write` must return false and 'drain' must not come before the test
// says "resumed" on stdin (and must come after). Prints `blocked`, then `drained`.
const { net, fail, fill, target, onLine } = require('./common');

const [dest, bytes] = process.argv.slice(2);
let resumed = false;
let drained = false;
const sock = net.connect(target(dest), () => {
  const more = sock.write(fill(Buffer.allocUnsafe(Number(bytes)), 0));
  if (more) fail('write returned true');
  console.log('blocked');
});
onLine((line) => {
  if (line !== 'resumed') fail(`unknown command ${line}`);
  if (drained || sock.writableLength === 0) fail('drained while the server was paused');
  resumed = true;
});
sock.on('drain', () => {
  if (!resumed) fail("'drain' before the server resumed");
  drained = true;
  console.log('drained');
  sock.end();
});
// Diagnostics, should the test hang: what this side is waiting for.
setTimeout(() => {
  console.error(`still running: resumed ${resumed} drained ${drained} writableLength ${sock.writableLength} ` +
    `bytesWritten ${sock.bytesWritten} writeQueueSize ${sock._handle && sock._handle.writeQueueSize}`);
}, 5000).unref();
sock.on('error', (e) => fail(`error ${e.code || e.message}`));
sock.on('close', () => process.exit(drained ? 0 : 1));
