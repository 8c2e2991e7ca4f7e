// HTTP client: `http.get` with the body piped to stdout. Ours: examples/http_get.rs
// (which also prints the head with -i, as curl).
const http = require('node:http');

const url = process.argv[2];
http.get(url, (res) => {
  res.pipe(process.stdout);
}).on('error', (e) => {
  console.error(`error: ${e.message} (${e.code})`);
  process.exitCode = 1;
});
