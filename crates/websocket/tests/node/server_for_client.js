// Node `ws`'s server for our client (crates/websocket/tests/client_node.rs). Takes one
// connection: pings it first ("node ping"), echoes every message as it came (text or binary),
// and on the text message "close-me" closes with 4003 "node says bye". Prints
// `listening on 127.0.0.1:PORT` once ready and, when the connection is gone, one JSON line:
// the Pong's payload (null if none came), the Sec-WebSocket-Extensions it answered with ("" if
// none), how many of the client's messages arrived compressed, and the close it heard; then
// exits.
//
//   NODE_PATH=target/npm/node_modules node server_for_client.js plain|deflate|no-context|client-window
'use strict';

const path = require('path');
const { WebSocketServer } = require('ws');
// The same module instance `ws` uses (its `exports` hide `lib/`, an absolute path does not).
const PerMessageDeflate = require(path.join(path.dirname(require.resolve('ws')), 'lib', 'permessage-deflate.js'));

const configs = {
  plain: false,
  deflate: { threshold: 0 },
  'no-context': {
    threshold: 0,
    serverNoContextTakeover: true,
    clientNoContextTakeover: true,
    serverMaxWindowBits: 10,
  },
  'client-window': { threshold: 0, clientMaxWindowBits: 9 },
};
const config = process.argv[2];
if (!(config in configs)) {
  console.error(`unknown configuration ${config}; one of ${Object.keys(configs).join(', ')}`);
  process.exit(2);
}

// Counts the client's compressed messages: the receiver inflates a message's last frame with
// `fin` set.
let compressed = 0;
const decompress = PerMessageDeflate.prototype.decompress;
PerMessageDeflate.prototype.decompress = function (data, fin, callback) {
  if (fin) compressed += 1;
  return decompress.call(this, data, fin, callback);
};

// A test that dies without killing us must not leave a server behind.
setTimeout(() => {
  console.error('server_for_client.js: still running after 25 s');
  process.exit(3);
}, 25000).unref();

const got = { pong: null, extensions: '', compressed: 0, close: null };
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: configs[config] });

wss.on('headers', (headers) => {
  const prefix = 'sec-websocket-extensions: ';
  const field = headers.find((h) => h.toLowerCase().startsWith(prefix));
  if (field) got.extensions = field.slice(prefix.length);
});

wss.on('connection', (ws) => {
  ws.ping('node ping');
  ws.on('pong', (data) => {
    got.pong = data.toString();
  });
  ws.on('message', (data, isBinary) => {
    if (!isBinary && data.toString() === 'close-me') {
      ws.close(4003, 'node says bye');
    } else {
      ws.send(data, { binary: isBinary });
    }
  });
  ws.on('error', (e) => {
    console.error('server_for_client.js:', e);
    process.exitCode = 1;
  });
  ws.on('close', (code, reason) => {
    got.compressed = compressed;
    got.close = [code, reason.toString()];
    console.log(JSON.stringify(got));
    wss.close();
  });
});

wss.on('listening', () => {
  console.log(`listening on 127.0.0.1:${wss.address().port}`);
});
