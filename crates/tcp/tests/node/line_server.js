'use strict';
// line_server.js: a quiet server that answers command lines and says nothing otherwise:
// "ping" -> "pong", "reset" -> resetAndDestroy(). Ends when the client ends. Exits 0 after
// CONNECTIONS (default 1) connections closed.
const { net, fail, announce } = require('./common');

const connections = Number(process.argv[2] || '1');
let closed = 0;
const server = net.createServer((s) => {
  let buf = '';
  s.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line === 'ping') s.write('pong\n');
      else if (line === 'reset') s.resetAndDestroy();
      else fail(`unknown command ${JSON.stringify(line)}`);
    }
  });
  s.on('error', (e) => fail(`error ${e.code || e.message}`));
  s.on('close', () => {
    if (++closed === connections) server.close();
  });
});
server.listen({ host: '127.0.0.1', port: 0 }, () => announce(server));
