// DNS lookup: `dns.lookup` with `all: true`, each address with its family. Ours:
// examples/dns_lookup.rs.
const dns = require('node:dns');

const [name, family = 0] = process.argv.slice(2);
dns.lookup(name, { all: true, family: Number(family) }, (err, addresses) => {
  if (err) {
    console.error(`error: ${err.message}`);
    process.exit(1);
  }
  for (const { address, family } of addresses) {
    console.log(`${address} IPv${family}`);
  }
});
