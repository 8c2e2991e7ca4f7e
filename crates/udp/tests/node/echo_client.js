'use strict';
// echo_client.js TARGET COUNT: sends the COUNT test datagrams to an echo server (at most WINDOW
// and WINDOW_BYTES unanswered, each sent again if unanswered after RETRANSMIT_AFTER_MS) and checks
// each that comes back byte for byte. Prints `ok COUNT retransmits R duplicates D` and exits 0
// once every datagram came back.
const {
  dgram, fail, ECHO_BUFFER, WINDOW, WINDOW_BYTES, RETRANSMIT_AFTER_MS, sizeOf, datagram,
  checkDatagram, target,
} = require('./common');

const [dest, countArg] = process.argv.slice(2);
const { host, port, type } = target(dest);
const COUNT = Number(countArg);
const outstanding = new Map(); // seq -> when last sent
const back = new Uint8Array(COUNT);
let next = 0;
let done = 0;
let outBytes = 0;
let retransmits = 0;
let duplicates = 0;

const sock = dgram.createSocket({ type, recvBufferSize: ECHO_BUFFER, sendBufferSize: ECHO_BUFFER });
sock.on('error', (e) => fail(`error ${e.code || e.message} after ${done} datagrams`));

function pump() {
  while (
    next < COUNT &&
    outstanding.size < WINDOW &&
    (outstanding.size === 0 || outBytes + sizeOf(next) <= WINDOW_BYTES)
  ) {
    const seq = next++;
    outstanding.set(seq, Date.now());
    outBytes += sizeOf(seq);
    sock.send(datagram(seq), port, host);
  }
}

sock.on('message', (msg, rinfo) => {
  if (rinfo.port !== port) fail(`a datagram from port ${rinfo.port}`);
  if (rinfo.size !== msg.length) fail(`rinfo.size ${rinfo.size} for ${msg.length} bytes`);
  const seq = checkDatagram(msg, COUNT);
  if (back[seq]) {
    duplicates++;
    return;
  }
  back[seq] = 1;
  done++;
  if (outstanding.delete(seq)) outBytes -= msg.length;
  if (done === COUNT) {
    console.log(`ok ${COUNT} retransmits ${retransmits} duplicates ${duplicates}`);
    clearInterval(timer);
    sock.close();
    return;
  }
  pump();
});

const timer = setInterval(() => {
  const now = Date.now();
  for (const [seq, at] of outstanding) {
    if (now - at >= RETRANSMIT_AFTER_MS) {
      outstanding.set(seq, now);
      retransmits++;
      sock.send(datagram(seq), port, host);
    }
  }
}, 50);

sock.bind(0, type === 'udp6' ? '::1' : '127.0.0.1', pump);
