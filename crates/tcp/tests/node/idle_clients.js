// Opens N idle connections to ADDR (host:port), prints "connected N" once all are up, and
// keeps them open until stdin closes. Usage: node idle_clients.js HOST:PORT N
const net = require('net');
const [host, port] = process.argv[2].split(/:(?=\d+$)/);
const n = Number(process.argv[3]);
let up = 0;
const sockets = [];
function open() {
  const s = net.connect({ host, port: Number(port) }, () => {
    up++;
    if (up === n) console.log(`connected ${n}`);
  });
  s.on('error', (e) => { console.error(`client error ${e.code}`); process.exit(1); });
  sockets.push(s);
}
// Open in batches so the listen backlog is never the bottleneck.
let opened = 0;
(function batch() {
  for (let i = 0; i < 500 && opened < n; i++, opened++) open();
  if (opened < n) setImmediate(batch);
})();
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
setTimeout(() => { console.error('timed out'); process.exit(2); }, 60000).unref();
