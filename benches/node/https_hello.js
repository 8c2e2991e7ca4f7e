#!/usr/bin/env node
// The seed's HTTPS hello world in Node, the peer our `https_hello` example is measured against
// (benches/compare-https.sh): every request gets 200 and `hello world\n` (no Content-Type, as the
// seed), on a keep-alive connection (Node's HTTP/1.1 default) unless the client asks to close.
// TLS is Node's defaults (OpenSSL, TLS 1.2 and 1.3, session tickets on).
//
//   node benches/node/https_hello.js --cert FILE --key FILE [PORT]
//   HTTPS_CERT=FILE HTTPS_KEY=FILE node benches/node/https_hello.js [PORT]
//
// FILE is PEM: the certificate chain and its private key. The options may come in any order
// around PORT, which defaults to 8443; 0 picks a free port. Binds 127.0.0.1 and prints
// `listening on 127.0.0.1:PORT` (the real port) once listening.
'use strict';

const fs = require('fs');
const https = require('https');

function fail(message) {
  console.error(`https_hello: ${message}`);
  process.exit(2);
}

let port;
let certFile = process.env.HTTPS_CERT;
let keyFile = process.env.HTTPS_KEY;
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg === '--cert' || arg === '--key') {
    const value = args[++i];
    if (value === undefined) fail(`${arg} needs a file`);
    if (arg === '--cert') certFile = value;
    else keyFile = value;
  } else if (port === undefined) {
    port = Number(arg);
    if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`bad port ${JSON.stringify(arg)}`);
  } else {
    fail(`unexpected argument ${JSON.stringify(arg)}`);
  }
}
if (port === undefined) port = 8443;
if (!certFile || !keyFile) fail('--cert FILE and --key FILE (or HTTPS_CERT and HTTPS_KEY) are required');

let cert;
let key;
try {
  cert = fs.readFileSync(certFile);
  key = fs.readFileSync(keyFile);
} catch (err) {
  fail(err.message);
}

const server = https.createServer({ cert, key }, (req, res) => {
  res.writeHead(200);
  res.end('hello world\n');
});

server.on('error', (err) => {
  console.error(`https_hello: ${err.message}`);
  process.exit(1);
});

server.listen(port, '127.0.0.1', () => {
  const { address, port: bound } = server.address();
  console.log(`listening on ${address}:${bound}`);
});
