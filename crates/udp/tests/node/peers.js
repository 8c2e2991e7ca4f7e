'use strict';
// peers.js: two sockets, `a` and `b`, on 127.0.0.1; each sends every datagram it receives back
// to its sender. Prints `listening on A B`. Each stdin line `a|b HOST:PORT TEXT` makes that
// socket send TEXT to HOST:PORT. Exits 0 when stdin closes.
const { dgram, fail, addressOf, target, onLine } = require('./common');

const socks = { a: dgram.createSocket('udp4'), b: dgram.createSocket('udp4') };
for (const [name, s] of Object.entries(socks)) {
  s.on('error', (e) => fail(`${name}: error ${e.code || e.message}`));
  s.on('message', (msg, rinfo) => s.send(msg, rinfo.port, rinfo.address));
}
socks.a.bind(0, '127.0.0.1', () => {
  socks.b.bind(0, '127.0.0.1', () => {
    console.log(`listening on ${addressOf(socks.a)} ${addressOf(socks.b)}`);
  });
});
onLine((line) => {
  const [name, dest, text] = line.split(' ');
  const { host, port } = target(dest);
  socks[name].send(text, port, host);
}, () => {
  socks.a.close();
  socks.b.close();
});
