// WebSocket server: the `ws` echo server with permessage-deflate. Ours: examples/ws_echo.rs.
const { WebSocketServer } = require('ws');

const port = Number(process.argv[2] ?? 8080);
const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: true });
wss.on('connection', (ws) => {
  ws.on('error', console.error);
  ws.on('message', (data, isBinary) => {
    ws.send(data, { binary: isBinary });
  });
});
wss.on('listening', () => {
  console.log(`listening on 127.0.0.1:${wss.address().port}`);
});
