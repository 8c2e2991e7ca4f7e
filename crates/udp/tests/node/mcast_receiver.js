'use strict';
// mcast_receiver.js GROUP TEXT: joins GROUP on the loopback interface with a socket on 0.0.0.0
// (`reuseAddr`), prints `listening on 0.0.0.0:PORT`, then `got TEXT from ADDR` for each datagram;
// exits 0 once TEXT arrived.
const { dgram, fail, announce } = require('./common');

const [group, want] = process.argv.slice(2);
const sock = dgram.createSocket({ type: 'udp4', reuseAddr: true });
sock.on('error', (e) => fail(`error ${e.code || e.message}`));
sock.on('message', (msg, rinfo) => {
  console.log(`got ${msg} from ${rinfo.address}:${rinfo.port}`);
  if (msg.toString() === want) sock.close();
});
sock.bind(0, '0.0.0.0', () => {
  sock.addMembership(group, '127.0.0.1');
  announce(sock);
});
