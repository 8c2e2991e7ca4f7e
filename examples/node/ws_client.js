// WebSocket client: each stdin line out as a message, each message printed; closes with 1000
// when stdin ends. Ours: examples/ws_client.rs (which also speaks wss: with --cacert).
const WebSocket = require('ws');
const readline = require('node:readline');

const ws = new WebSocket(process.argv[2]);
ws.on('error', (err) => {
  console.error(`error: ${err.message} (${err.code})`);
  process.exitCode = 1;
});
ws.on('open', () => {
  const lines = readline.createInterface({ input: process.stdin });
  lines.on('line', (line) => ws.send(line));
  lines.on('close', () => ws.close(1000));
});
ws.on('message', (data, isBinary) => {
  console.log(isBinary ? `<${data.length} bytes>` : data.toString());
});
