'use strict';
// half_open_server.js: with allowHalfOpen, greets each connection with "hello from node\n" and
// ends its side at once; then expects "reply after end\n" and the client's end. One connection.
const { net, fail, announce } = require('./common');

const server = net.createServer({ allowHalfOpen: true }, (s) => {
  let got = '';
  s.end('hello from node\n');
  s.on('data', (d) => (got += d));
  s.on('end', () => {
    if (got !== 'reply after end\n') fail(`got ${JSON.stringify(got)}`);
    if (!s.writableFinished) fail('our end was not finished before the reply');
    console.log('ok');
  });
  s.on('error', (e) => fail(`error ${e.code || e.message}`));
  s.on('close', () => server.close());
});
server.listen({ host: '127.0.0.1', port: 0 }, () => announce(server));
