'use strict';
// paused_server.js: accepts one connection paused (it reads nothing) until the line "resume"
// arrives on stdin; then counts the bytes and, at the client's end, prints `received N`.
const { net, fail, announce, onLine } = require('./common');

let sock = null;
let resumeAsked = false;
let received = 0;

function resume() {
  sock.on('data', (d) => (received += d.length));
  sock.resume();
}

const server = net.createServer({ pauseOnConnect: true }, (s) => {
  if (sock) fail('a second connection');
  sock = s;
  s.on('error', (e) => fail(`error ${e.code || e.message}`));
  s.on('end', () => console.log(`received ${received}`));
  s.on('close', () => {
    server.close();
    process.exit(0);
  });
  // The test may ask before this side has even accepted the connection.
  if (resumeAsked) resume();
});
onLine((line) => {
  if (line !== 'resume' || resumeAsked) fail(`unexpected command ${line}`);
  resumeAsked = true;
  if (sock) resume();
});
server.listen({ host: '127.0.0.1', port: 0 }, () => announce(server));
