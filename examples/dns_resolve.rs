//! The seed's `new dns.Resolver()` with `setServers` and `resolver.resolve(name, type)`: one
//! query, its answer printed one record a line as `dig +short` prints it.
//!
//! `cargo run --release --example dns_resolve [--server IP[:PORT]] TYPE NAME`, e.g.
//! `… dns_resolve --server 127.0.0.1:5353 MX example.test`:
//!
//! ```text
//! 10 mail.example.test.
//! ```
//!
//! TYPE is any record type by name (A, AAAA, CNAME, MX, NS, PTR, SOA, SRV, TXT, CAA, NAPTR,
//! ANY, …); for PTR an IP address stands for its reverse name. Without `--server` the servers,
//! search domains and options of `/etc/resolv.conf` apply. A CNAME chain prints each target
//! before the records. A failure prints the error with its Node code on stderr (`error: queryA
//! ENOTFOUND nope.example.test`) and exits 1.
use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};

use netcore::EventLoop;
use netcore_dns::{Name, RData, RecordType, Resolver, ResolverOptions};

const USAGE: &str = "usage: dns_resolve [--server IP[:PORT]] TYPE NAME";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut options = ResolverOptions::default();
    if let Some(i) = args.iter().position(|a| a == "--server") {
        let Some(server) = args.get(i + 1).cloned() else { return Err(USAGE.into()) };
        args.drain(i..i + 2);
        options.servers = Some(vec![server_addr(&server).ok_or_else(|| format!("bad server {server:?}"))?]);
    }
    let [rtype, name] = args.as_slice() else { return Err(USAGE.into()) };
    let rtype: RecordType =
        rtype.to_ascii_uppercase().parse().map_err(|_| format!("unknown type {rtype:?}"))?;
    let name = match name.parse::<IpAddr>() {
        Ok(ip) if rtype == RecordType::PTR => format!("{}.", Name::reverse(ip)),
        _ => name.clone(),
    };

    let mut lp = EventLoop::new()?;
    let resolver = Resolver::new(&mut lp, options);
    resolver.resolve(&mut lp, &name, rtype, |_lp, result| match result {
        Ok(records) => {
            for record in records {
                println!("{}", short(&record.rdata));
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

/// `IP`, `IP:PORT` or `[IPv6]:PORT`; the port defaults to 53.
fn server_addr(text: &str) -> Option<SocketAddr> {
    text.parse().ok().or_else(|| Some(SocketAddr::new(text.parse().ok()?, 53)))
}

/// A name as dig prints it: absolute, with the trailing dot.
fn fqdn(name: &Name) -> String {
    if name.is_root() {
        ".".to_string()
    } else {
        format!("{name}.")
    }
}

/// A character-string in presentation form (RFC 1035 §5.1): quoted, `"` and `\` escaped,
/// unprintable bytes as `\DDD`.
fn quoted(bytes: &[u8]) -> String {
    let mut out = String::from("\"");
    for &b in bytes {
        match b {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(char::from(b));
            }
            0x20..=0x7e => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\{b:03}");
            }
        }
    }
    out.push('"');
    out
}

/// The record's data as `dig +short` prints it.
fn short(rdata: &RData) -> String {
    match rdata {
        RData::A(ip) => ip.to_string(),
        RData::Aaaa(ip) => ip.to_string(),
        RData::Cname(n) | RData::Ns(n) | RData::Ptr(n) => fqdn(n),
        RData::Mx { preference, exchange } => format!("{preference} {}", fqdn(exchange)),
        RData::Soa { mname, rname, serial, refresh, retry, expire, minimum } => {
            format!("{} {} {serial} {refresh} {retry} {expire} {minimum}", fqdn(mname), fqdn(rname))
        }
        RData::Srv { priority, weight, port, target } => {
            format!("{priority} {weight} {port} {}", fqdn(target))
        }
        RData::Txt(strings) => strings.iter().map(|s| quoted(s)).collect::<Vec<_>>().join(" "),
        RData::Caa { flags, tag, value } => {
            format!("{flags} {} {}", String::from_utf8_lossy(tag), quoted(value))
        }
        RData::Naptr { order, preference, flags, services, regexp, replacement } => format!(
            "{order} {preference} {} {} {} {}",
            quoted(flags),
            quoted(services),
            quoted(regexp),
            fqdn(replacement)
        ),
        // RFC 3597 §5: the generic form.
        RData::Unknown { data, .. } => {
            let hex: String = data.iter().map(|b| format!("{b:02x}")).collect();
            format!("\\# {} {hex}", data.len())
        }
    }
}
