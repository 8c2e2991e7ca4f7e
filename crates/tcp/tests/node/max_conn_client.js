'use strict';
// max_conn_client.js TARGET: for a server with maxConnections 2. Opens A and B (each proves
// itself with an echo), then C, which must be closed by the server without any data; then A and
// B must still echo. Prints `ok`.
const { net, fail, target, readBytes } = require('./common');

const dest = target(process.argv[2]);

function open() {
  return new Promise((resolve, reject) => {
    const s = net.connect(dest, () => resolve(s));
    s.once('error', reject);
  });
}

async function echo(s, text) {
  s.write(text);
  const got = await readBytes(s, text.length);
  if (got !== text) fail(`echo ${JSON.stringify(got)} for ${JSON.stringify(text)}`);
}

function closed(s) {
  return new Promise((resolve) => s.on('close', resolve));
}

(async () => {
  const a = await open();
  await echo(a, 'a\n');
  const b = await open();
  await echo(b, 'b\n');
  const c = await open();
  let got = '';
  let ended = false;
  c.on('data', (d) => (got += d));
  c.on('end', () => (ended = true));
  c.on('error', (e) => fail(`C: error ${e.code}`));
  await closed(c);
  if (got !== '') fail(`C received ${JSON.stringify(got)}`);
  if (!ended) fail('C closed without an end');
  await echo(a, 'a again\n');
  await echo(b, 'b again\n');
  a.end();
  b.end();
  await Promise.all([closed(a), closed(b)]);
  console.log('ok');
  process.exit(0);
})().catch((e) => fail(e.code || e.message));
