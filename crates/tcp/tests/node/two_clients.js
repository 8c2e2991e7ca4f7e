'use strict';
// two_clients.js TARGET: opens two connections; each sends "hi N\n" and expects it echoed, then
// waits for the server to end it (allowHalfOpen false: ours ends too). Prints `ok` once both
// closed cleanly after their echo.
const { net, fail, target } = require('./common');

const dest = target(process.argv[2]);
let closed = 0;
for (let i = 0; i < 2; i++) {
  const line = `hi ${i}\n`;
  const s = net.connect(dest, () => s.write(line));
  let got = '';
  let ended = false;
  s.on('data', (d) => (got += d));
  s.on('end', () => (ended = true));
  s.on('error', (e) => fail(`client ${i}: error ${e.code || e.message}`));
  s.on('close', () => {
    if (got !== line) fail(`client ${i} got ${JSON.stringify(got)}`);
    if (!ended) fail(`client ${i} closed without the server's end`);
    if (++closed === 2) {
      console.log('ok');
      process.exit(0);
    }
  });
}
