'use strict';
// reset_client.js TARGET: connects, waits for the server's first bytes, then resets the
// connection (RST) with resetAndDestroy().
const { net, fail, target } = require('./common');

const sock = net.connect(target(process.argv[2]));
sock.once('data', () => sock.resetAndDestroy());
sock.on('error', (e) => fail(`error ${e.code || e.message}`));
sock.on('close', () => process.exit(0));
