// Node's http client against our server (the address is argv[2]): prints one JSON line of what
// it saw, for tests/server_node.rs to check.
'use strict';
const http = require('http');
const [host, port] = process.argv[2].split(':');

function request(opts, body, onReq) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, ...opts }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, trailers: res.trailers,
        body: Buffer.concat(chunks).toString(), reused: req.reusedSocket }));
    });
    req.on('error', reject);
    if (onReq) onReq(req); else req.end(body);
  });
}

(async () => {
  const out = {};
  // 100-continue: the body goes only after the server's 100.
  let continued = false;
  const cont = await request({ method: 'PUT', path: '/continue', headers: { Expect: '100-continue', 'Content-Length': 5 } },
    null, (req) => req.on('continue', () => { continued = true; req.end('hello'); }));
  out.continue = [continued, cont.status, cont.body];
  // Keep-alive: 20 requests over one socket.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let reused = 0;
  for (let i = 0; i < 20; i++) {
    const r = await request({ path: `/k${i}`, agent });
    if (r.reused) reused++;
  }
  agent.destroy();
  out.reused = reused;
  // A chunked upload with trailers, and a chunked answer with trailers.
  const up = await request({ method: 'POST', path: '/up', headers: { Trailer: 'X-A' } }, null, (req) => {
    req.write('abc'); req.write('def'); req.addTrailers({ 'X-A': '1' }); req.end();
  });
  out.upload = [up.status, up.body, up.trailers];
  // An upgrade: the socket is handed over, raw bytes flow both ways.
  out.upgrade = await new Promise((resolve, reject) => {
    const req = http.request({ host, port, path: '/', headers: { Connection: 'Upgrade', Upgrade: 'echo' } });
    req.on('upgrade', (res, socket, head) => {
      let got = head.toString();
      socket.on('data', (d) => { got += d; if (got === 'pingpong') { socket.destroy(); resolve([res.statusCode, got]); } });
      socket.write('pong');
    });
    req.on('error', reject);
    req.end();
  });
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
