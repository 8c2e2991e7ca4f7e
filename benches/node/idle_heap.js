// Node's heap per idle connection: a net server (the echo seed) accepts N idle connections from
// a client process and reports (heapUsed + external) growth per connection, after a full GC.
// Usage: node --expose-gc idle_heap.js N CLIENT_SCRIPT
const net = require('net');
const { spawn } = require('child_process');
const n = Number(process.argv[2] || 10000);
const heap = () => { global.gc(); const m = process.memoryUsage(); return m.heapUsed + m.external + m.arrayBuffers; };
const server = net.createServer((s) => s.pipe(s));
server.listen(0, '127.0.0.1', () => {
  const before = heap();
  const addr = `127.0.0.1:${server.address().port}`;
  const client = spawn(process.execPath, [process.argv[3], addr, String(n)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let count = 0;
  server.on('connection', () => {
    if (++count === n) setTimeout(() => {
      const per = (heap() - before) / n;
      console.log(`node heap per idle connection: ${per.toFixed(0)} bytes (${n} connections)`);
      client.stdin.end();
      process.exit(0);
    }, 200);
  });
});
setTimeout(() => { console.error('timed out'); process.exit(2); }, 60000).unref();
