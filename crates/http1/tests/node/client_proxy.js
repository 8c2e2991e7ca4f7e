'use strict';
// A forward proxy for the client tests: takes absolute-form requests and forwards them with
// Node's own client. Prints `listening on HOST:PORT`, then `proxy METHOD URL host=HOST` for
// each request it forwards (with ` proxy-auth=VALUE` and ` auth=VALUE` when the request
// carries `Proxy-Authorization` or `Authorization`).
const http = require('http');

setTimeout(() => {
  console.error('client_proxy.js: timed out');
  process.exit(1);
}, 45_000).unref();

const server = http.createServer((req, res) => {
  let line = `proxy ${req.method} ${req.url} host=${req.headers.host}`;
  if (req.headers['proxy-authorization']) line += ` proxy-auth=${req.headers['proxy-authorization']}`;
  if (req.headers.authorization) line += ` auth=${req.headers.authorization}`;
  console.log(line);
  delete req.headers['proxy-authorization'];
  const upstream = http.request(req.url, { method: req.method, headers: req.headers, agent: false }, (r) => {
    res.writeHead(r.statusCode, r.headers);
    r.pipe(res);
  });
  upstream.on('error', (e) => {
    res.statusCode = 502;
    res.end(String(e));
  });
  req.pipe(upstream);
});

server.listen(0, '127.0.0.1', () => console.log(`listening on 127.0.0.1:${server.address().port}`));
