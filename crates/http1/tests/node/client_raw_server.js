'use strict';
// A raw `net` server that misbehaves on purpose. Prints `listening on HOST:PORT`.
// argv[2], the mode:
//   race:    the first connection answers its first request and, when its second request
//            arrives, closes without answering (a server closing an idle keep-alive connection
//            as the client reuses it); other connections answer every request.
//   reset:   answers with half a body, then resets the connection (RST).
//   cut:     answers with half a body, then closes (FIN).
//   garbage: answers with a malformed status line.
//   until-close: answers with a body delimited by closing the connection.
//   (anything else, e.g. plain: answers every request; an `Expect: 100-continue` is never
//   answered with 100, the body is simply waited for, as a server that ignores it does.)
// Every request is printed as `request METHOD PATH on CONN`; GET /stats answers
// `{"connections":N,"requests":M}` (not counted).
const net = require('net');

setTimeout(() => {
  console.error('client_raw_server.js: timed out');
  process.exit(1);
}, 45_000).unref();

const mode = process.argv[2];
let connections = 0;
let requests = 0;

function reply(socket, body, extra = '') {
  socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nConnection: keep-alive\r\n${extra}\r\n${body}`);
}

const server = net.createServer((socket) => {
  const conn = ++connections;
  let seen = 0;
  let buf = Buffer.alloc(0);
  socket.on('error', () => {});
  socket.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end).toString();
      const length = Number((/\r\ncontent-length: *(\d+)/i.exec(head) || [0, 0])[1]);
      if (buf.length < end + 4 + length) return;
      buf = buf.subarray(end + 4 + length);
      const [method, path] = head.split(' ');
      if (path === '/stats') {
        reply(socket, JSON.stringify({ connections, requests }));
        continue;
      }
      requests++;
      seen++;
      console.log(`request ${method} ${path} on ${conn}`);
      if (mode === 'race' && conn === 1 && seen === 2) {
        socket.destroy();
        return;
      }
      if (mode === 'reset' || mode === 'cut') {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial');
        setImmediate(() => (mode === 'reset' ? socket.resetAndDestroy() : socket.end()));
        return;
      }
      if (mode === 'until-close') {
        socket.end('HTTP/1.1 200 OK\r\n\r\nbody until close');
        return;
      }
      if (mode === 'garbage') {
        socket.write('HTTP/1.1 2x0 Bad\r\n\r\n');
        return;
      }
      reply(socket, `conn ${conn} req ${seen}`);
    }
  });
});

server.listen(0, '127.0.0.1', () => console.log(`listening on 127.0.0.1:${server.address().port}`));
