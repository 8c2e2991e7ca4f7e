'use strict';
// count_receiver.js HOST COUNT SIZE: receives the test datagrams 0..COUNT of SIZE bytes (each
// checked byte for byte) with a 4 MiB receive buffer. Prints `listening on ADDR`; prints `ok COUNT`
// and exits 0 once each has arrived. Once stdin closes (the sender is done), it waits for the
// datagrams still in its socket until none arrives for IDLE_MS; if some are missing then, it
// prints `got N of COUNT` and exits 1.
const { dgram, fail, ECHO_BUFFER, datagramOf, announce, onLine } = require('./common');

const [host, countArg, sizeArg] = process.argv.slice(2);
const COUNT = Number(countArg);
const SIZE = Number(sizeArg);
const IDLE_MS = 500;
const got = new Uint8Array(COUNT);
let idle = null;
let distinct = 0;
const sock = dgram.createSocket({ type: 'udp4', recvBufferSize: ECHO_BUFFER });
sock.on('error', (e) => fail(`error ${e.code || e.message}`));
sock.on('message', (msg) => {
  if (msg.length !== SIZE) fail(`a datagram of ${msg.length} bytes`);
  const seq = msg.readUInt32LE(0);
  if (seq >= COUNT || !msg.equals(datagramOf(seq, SIZE))) fail(`datagram ${seq} differs`);
  if (got[seq]) fail(`datagram ${seq} arrived twice`);
  got[seq] = 1;
  if (idle) idle.refresh();
  if (++distinct === COUNT) {
    console.log(`ok ${COUNT}`);
    process.exit(0);
  }
});
sock.bind(0, host, () => announce(sock));
onLine(() => {}, () => {
  idle = setTimeout(() => {
    console.log(`got ${distinct} of ${COUNT}`);
    process.exit(1);
  }, IDLE_MS);
});
