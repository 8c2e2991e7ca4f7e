// Node `ws`'s client against our server (crates/websocket/tests/server_node.rs): for each of
// `plain` and `deflate` (permessage-deflate offered), one connection that sends a text message,
// a binary one, a 1 MiB one (compressible), a ping, then closes with 4001; prints one JSON line
// with what came back.
//
//   NODE_PATH=target/npm/node_modules node client_to_server.js ws://127.0.0.1:PORT/
'use strict';

const WebSocket = require('ws');

const url = process.argv[2];

function run(deflate) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ['chat', 'superchat'], { perMessageDeflate: deflate });
    const got = { protocol: null, extensions: null, messages: [], pong: null, close: null };
    const big = Buffer.alloc(1 << 20, 'abcdefgh');
    ws.on('open', () => {
      got.protocol = ws.protocol;
      got.extensions = ws.extensions;
      ws.send('héllo');
      ws.send(Buffer.from([0, 1, 2, 255]));
      ws.send(big);
      ws.ping('are you there');
    });
    ws.on('message', (data, isBinary) => {
      if (data.length === big.length) {
        got.messages.push(['big', isBinary, data.equals(big)]);
      } else {
        got.messages.push([isBinary ? data.toString('hex') : data.toString(), isBinary]);
      }
      if (got.messages.length === 3) ws.close(4001, 'done');
    });
    ws.on('pong', (data) => { got.pong = data.toString(); });
    ws.on('close', (code, reason) => {
      got.close = [code, reason.toString()];
      resolve(got);
    });
    ws.on('error', reject);
  });
}

(async () => {
  const plain = await run(false);
  const deflate = await run(true);
  console.log(JSON.stringify({ plain, deflate }));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
