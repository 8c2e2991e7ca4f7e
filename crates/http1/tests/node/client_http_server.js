'use strict';
// A Node `http` server for the client tests. Prints `listening on HOST:PORT`.
// argv[2]: keepAliveTimeout in ms (default Node's 5000).
// Routes: /hello, /slow?ms=, /echo (method, framing headers, body, trailers as JSON),
// /sink (body length only), /chunked (chunked body with a trailer), /big?n= (n bytes),
// /hints (103 Early Hints first), /hang (never answered), /stats (connection and request
// counts, the peak of concurrent requests; not counted itself). Expect: 100-continue goes to
// checkContinue, which waits a little before `100 Continue` and reports whether body bytes
// came before it. An `Upgrade` request gets 101 and an echo of the socket; a CONNECT gets 200
// and an echo.
const http = require('http');

setTimeout(() => {
  console.error('client_http_server.js: timed out');
  process.exit(1);
}, 45_000).unref();

const server = http.createServer();
server.keepAliveTimeout = Number(process.argv[2] || 5000);
let connections = 0;
let requests = 0;
let active = 0;
let maxActive = 0;

server.on('connection', (socket) => {
  connections++;
  const opened = Date.now();
  // The client closing an idle connection (a FIN while the server still keeps it).
  socket.on('end', () => console.log(`client ended after ${Date.now() - opened} ms`));
});

function readBody(req, cb) {
  const parts = [];
  req.on('data', (d) => parts.push(d));
  req.on('end', () => cb(Buffer.concat(parts)));
}

server.on('request', (req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/stats') {
    res.end(JSON.stringify({ connections, requests, maxActive }));
    return;
  }
  requests++;
  active++;
  maxActive = Math.max(maxActive, active);
  res.on('finish', () => active--);
  switch (url.pathname) {
    case '/hello':
      // The length is set even for HEAD: a client that ignored HEAD would wait for the body.
      res.setHeader('Content-Type', 'text/plain');
      res.setHeader('Content-Length', Buffer.byteLength(`hello ${req.headers.connection}`));
      res.end(req.method === 'HEAD' ? undefined : `hello ${req.headers.connection}`);
      break;
    case '/slow':
      setTimeout(() => res.end('slow'), Number(url.searchParams.get('ms') || 50));
      break;
    case '/echo':
      readBody(req, (body) =>
        res.end(
          JSON.stringify({
            method: req.method,
            contentLength: req.headers['content-length'] ?? null,
            transferEncoding: req.headers['transfer-encoding'] ?? null,
            connection: req.headers.connection ?? null,
            host: req.headers.host ?? null,
            body: body.toString(),
            trailers: req.trailers,
          }),
        ),
      );
      break;
    case '/sink':
      readBody(req, (body) => res.end(String(body.length)));
      break;
    case '/chunked':
      res.setHeader('Trailer', 'X-Checksum');
      res.write('one,');
      res.write('two,');
      res.addTrailers({ 'X-Checksum': 'abc' });
      res.end('three');
      break;
    case '/big':
      res.end(Buffer.alloc(Number(url.searchParams.get('n')), 'x'));
      break;
    case '/hints':
      res.writeEarlyHints({ link: '</style.css>; rel=preload' });
      res.end('after hints');
      break;
    case '/hang':
      break;
    default:
      res.statusCode = 404;
      res.end();
  }
});

server.on('checkContinue', (req, res) => {
  requests++;
  let early = false;
  let continued = false;
  req.on('data', () => {
    if (!continued) early = true;
  });
  readBody(req, (body) => res.end(JSON.stringify({ early, body: body.toString() })));
  // Long enough for a client that does not wait to send its body first.
  setTimeout(() => {
    continued = true;
    res.writeContinue();
  }, 100);
});

server.on('upgrade', (req, socket, head) => {
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${req.headers.upgrade}\r\nConnection: Upgrade\r\n\r\nwelcome;`);
  if (head.length) socket.write(head);
  socket.pipe(socket);
});

server.on('connect', (req, socket, head) => {
  socket.write(`HTTP/1.1 200 Connection Established\r\nX-Target: ${req.url}\r\n\r\ntunnel;`);
  if (head.length) socket.write(head);
  socket.pipe(socket);
});

server.listen(0, '127.0.0.1', () => console.log(`listening on 127.0.0.1:${server.address().port}`));
