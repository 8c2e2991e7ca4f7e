'use strict';
// half_open_client.js TARGET REPLY: with allowHalfOpen, sends "hello from node\n" and ends at
// once, then expects exactly REPLY (may be empty) followed by the server's end.
const { net, fail, target } = require('./common');

const [dest, reply] = process.argv.slice(2);
let got = '';
let dataBeforeOurEnd = false;
const sock = net.connect({ ...target(dest), allowHalfOpen: true }, () => {
  sock.write('hello from node\n');
  sock.end();
});
sock.on('data', (d) => {
  if (!sock.writableEnded) dataBeforeOurEnd = true;
  got += d;
});
sock.on('end', () => {
  if (dataBeforeOurEnd) fail('data arrived before we ended');
  if (got !== reply) fail(`got ${JSON.stringify(got)}, want ${JSON.stringify(reply)}`);
  console.log('ok');
});
sock.on('error', (e) => fail(`error ${e.code || e.message}`));
sock.on('close', () => process.exit(got === reply ? 0 : 1));
