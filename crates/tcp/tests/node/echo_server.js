'use strict';
// echo_server.js HOST|PATH [CONNECTIONS]: `socket.pipe(socket)` for CONNECTIONS connections
// (default 1), then closes and exits 0. Prints `listening on ADDR`.
const { net, fail, listenOptions, announce } = require('./common');

const [where, connections = '1'] = process.argv.slice(2);
let closed = 0;
const server = net.createServer((s) => {
  s.on('error', (e) => fail(`error ${e.code || e.message}`));
  s.pipe(s);
  s.on('close', () => {
    if (++closed === Number(connections)) server.close();
  });
});
server.listen(listenOptions(where), () => announce(server));
