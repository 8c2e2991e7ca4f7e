//! The seed's `dns.lookup(name, { all: true }, (err, addresses) => …)`: every address the system
//! resolver (`getaddrinfo`: `/etc/hosts`, then DNS) gives for a name, one a line with its family.
//!
//! `cargo run --release --example dns_lookup NAME [FAMILY]`, e.g. `… dns_lookup localhost`:
//!
//! ```text
//! 127.0.0.1 IPv4
//! ```
//!
//! FAMILY is 0 (both, the default), 4 or 6. The lookup runs on the loop's thread pool. A failure
//! prints the error with its Node code on stderr (`error: getaddrinfo ENOTFOUND nope.invalid`)
//! and exits 1.
use netcore::EventLoop;

const USAGE: &str = "usage: dns_lookup NAME [0|4|6]";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (name, family) = match args.as_slice() {
        [name] => (name.as_str(), 0),
        [name, family] => match family.as_str() {
            "0" | "4" | "6" => (name.as_str(), family.parse()?),
            _ => return Err(USAGE.into()),
        },
        _ => return Err(USAGE.into()),
    };
    let mut lp = EventLoop::new()?;
    netcore_dns::lookup(&mut lp, name, family, |_lp, result| match result {
        Ok(addresses) => {
            for ip in addresses {
                println!("{ip} {}", if ip.is_ipv4() { "IPv4" } else { "IPv6" });
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    });
    lp.run()?;
    Ok(())
}
