// HTTPS client: `https.get` verifying the server against a given CA. Ours: examples/https_get.rs.
const https = require('node:https');
const fs = require('node:fs');

const [url, cacert] = process.argv.slice(2);
const options = cacert ? { ca: fs.readFileSync(cacert) } : {};
https.get(url, options, (res) => {
  res.pipe(process.stdout);
}).on('error', (e) => {
  console.error(`error: ${e.message} (${e.code})`);
  process.exitCode = 1;
});
