// dns_load.js: queries per second of Node's resolver (`new dns.Resolver().resolve4`, c-ares)
// against one DNS server, the Node side of benches/compare-dns.sh; the same load and output as
// our benches/dns_load.rs.
//
//   node benches/node/dns_load.js SERVER [--name NAME] [--inflight N] [--secs S]
//
// Keeps `inflight` resolve4(name) queries outstanding, each answer starting the next; after
// `secs` seconds no new query starts and the ones in flight are awaited. Prints one line:
//   queries=<answered> errors=<failed> secs=<elapsed> rate=<answered per second> client_cpu=<s>
// client_cpu is process.cpuUsage() (user + system, every thread) over the run. More than 1 %
// failed queries exit 1; bad arguments exit 2.
'use strict';
const dns = require('dns');

const USAGE = 'usage: dns_load.js SERVER [--name NAME] [--inflight N] [--secs S]';
function usage(msg) {
  console.error(`dns_load.js: ${msg}\n${USAGE}`);
  process.exit(2);
}

let server = null;
let name = 'www.netcore.test';
let inflight = 64;
let secs = 5;
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  const value = () => (i + 1 < args.length ? args[++i] : usage(`${a} needs a value`));
  if (a === '--name') name = value();
  else if (a === '--inflight') inflight = Number(value());
  else if (a === '--secs') secs = Number(value());
  else if (server === null && !a.startsWith('-')) server = a;
  else usage(`unexpected argument ${a}`);
}
if (server === null) usage('missing SERVER');
if (!Number.isInteger(inflight) || inflight < 1) usage('--inflight must be a whole number >= 1');
if (!(secs >= 0)) usage('--secs must be a number of seconds');

// The same settings as ours: 2 s per try, 2 tries, one server.
const resolver = new dns.Resolver({ timeout: 2000, tries: 2 });
resolver.setServers([server]);

let answered = 0;
let errors = 0;
let firstError = null;
let active = 0;
const cpuStart = process.cpuUsage();
const start = process.hrtime.bigint();
const deadline = start + BigInt(Math.round(secs * 1e9));
let lastAnswer = start;

function finish() {
  const cpu = process.cpuUsage(cpuStart);
  const elapsed = Number(lastAnswer - start) / 1e9;
  const rate = elapsed > 0 ? answered / elapsed : 0;
  if (errors * 100 > answered + errors) {
    console.error(`dns_load.js: ${errors} of ${answered + errors} queries failed, the first with ${firstError}`);
    process.exit(1);
  }
  const cpuSecs = (cpu.user + cpu.system) / 1e6;
  console.log(
    `queries=${answered} errors=${errors} secs=${elapsed.toFixed(3)} rate=${rate.toFixed(0)} client_cpu=${cpuSecs.toFixed(3)}`,
  );
}

function query() {
  active++;
  resolver.resolve4(name, (err, addresses) => {
    active--;
    if (err) {
      errors++;
      if (firstError === null) firstError = `${err.code} (${err.message})`;
    } else if (addresses.length > 0) {
      answered++;
    } else {
      errors++;
    }
    lastAnswer = process.hrtime.bigint();
    if (lastAnswer < deadline) query();
    else if (active === 0) finish();
  });
}

for (let i = 0; i < inflight; i++) query();
