'use strict';
// mcast_sender.js: a socket on 127.0.0.1 whose multicast leaves by the loopback interface
// (`setMulticastInterface('127.0.0.1')`). Prints `ready`; each stdin line `HOST:PORT TEXT` sends
// TEXT there (a group or a unicast address). Exits 0 when stdin closes.
const { dgram, fail, target, onLine } = require('./common');

const sock = dgram.createSocket('udp4');
sock.on('error', (e) => fail(`error ${e.code || e.message}`));
sock.bind(0, '127.0.0.1', () => {
  sock.setMulticastInterface('127.0.0.1');
  sock.setMulticastTTL(1);
  console.log('ready');
});
onLine((line) => {
  const [dest, text] = line.split(' ');
  const { host, port } = target(dest);
  sock.send(text, port, host);
}, () => sock.close());
