'use strict';
// send_and_end.js TARGET BYTES: sends BYTES of the pattern and ends at once; prints `finished`
// when everything, FIN included, has been handed to the kernel ('finish'). Then waits for the
// server's end and exits 0.
const { net, fail, fill, target } = require('./common');

const [dest, bytes] = process.argv.slice(2);
const sock = net.connect(target(dest), () => sock.end(fill(Buffer.allocUnsafe(Number(bytes)), 0)));
sock.on('finish', () => console.log('finished'));
sock.on('data', (d) => fail(`unexpected data ${JSON.stringify(String(d))}`));
sock.on('error', (e) => fail(`error ${e.code || e.message}`));
sock.on('close', () => process.exit(0));
