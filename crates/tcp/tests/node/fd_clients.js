'use strict';
// fd_clients.js TARGET N: opens N connections at once; each sends one line and expects it echoed,
// and holds its connection open. After the line "close" on stdin, every connection that has its
// echo (then or later) is destroyed, freeing the server's descriptors. Prints `echoed K` at
// "close" and `done N` when all N got their echo; exits 0 then.
const { net, fail, target, onLine } = require('./common');

const [dest, n] = process.argv.slice(2);
const N = Number(n);
const socks = [];
let echoed = 0;
let closing = false;
for (let i = 0; i < N; i++) {
  const line = `client ${i}\n`;
  const s = net.connect(target(dest), () => s.write(line));
  s.setEncoding('latin1');
  s.line = line;
  s.got = '';
  s.on('data', (d) => {
    s.got += d;
    if (s.got.length > line.length || !line.startsWith(s.got)) fail(`client ${i} got ${JSON.stringify(s.got)}`);
    if (s.got === line) {
      echoed++;
      if (closing) s.destroy();
      if (echoed === N) {
        console.log(`done ${N}`);
        process.exit(0);
      }
    }
  });
  s.on('error', (e) => fail(`client ${i}: error ${e.code || e.message}`));
  s.on('close', () => {
    if (s.got !== line) fail(`client ${i} closed without its echo`);
  });
  socks.push(s);
}
onLine((cmd) => {
  if (cmd !== 'close') fail(`unknown command ${cmd}`);
  closing = true;
  console.log(`echoed ${echoed}`);
  for (const s of socks) if (s.got === s.line) s.destroy();
});
