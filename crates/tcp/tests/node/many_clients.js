'use strict';
// many_clients.js TARGET N: opens N connections at once; each sends one line and expects it
// echoed. Only when all N have their echo (so all N are open together) are they all ended.
// Prints `echoed N`; exits 0 once every connection closed cleanly.
const { net, fail, target } = require('./common');

const [dest, n] = process.argv.slice(2);
const N = Number(n);
const socks = [];
let echoed = 0;
let closed = 0;
for (let i = 0; i < N; i++) {
  const line = `client ${i}\n`;
  const s = net.connect(target(dest), () => s.write(line));
  let got = '';
  s.setEncoding('latin1');
  s.on('data', (d) => {
    got += d;
    if (got.length > line.length || !line.startsWith(got)) fail(`client ${i} got ${JSON.stringify(got)}`);
    if (got === line && ++echoed === N) {
      console.log(`echoed ${N}`);
      for (const t of socks) t.end();
    }
  });
  s.on('error', (e) => fail(`client ${i}: error ${e.code || e.message}`));
  s.on('close', () => {
    if (got !== line) fail(`client ${i} closed without its echo`);
    if (++closed === N) process.exit(0);
  });
  socks.push(s);
}
