//! `dns_load`: queries per second of our resolver (`netcore_dns::Resolver::resolve4`) against
//! one DNS server, the client side of `benches/compare-dns.sh`.
//!
//! ```text
//! dns_load SERVER [--name NAME] [--inflight N] [--secs S]
//!
//!   N queries in flight ──UDP──▶ SERVER ──answer──▶ callback: count it, send the next
//! ```
//!
//! One resolver on one netcore loop (one connected UDP socket to the server, random IDs, as any
//! user of the resolver) keeps `inflight` `resolve4(name)` queries outstanding: each answer's
//! callback checks it has at least one address and starts the next query. After `secs` seconds
//! no new query starts, the ones in flight are awaited, and the run ends with one line on stdout:
//!
//! ```text
//! queries=<answered> errors=<failed> secs=<elapsed> rate=<answered per second> client_cpu=<s>
//! ```
//!
//! `client_cpu` is this process's CPU time (every thread's, from `/proc/self/task/*/schedstat`)
//! over the run, as Node's `process.cpuUsage()` counts its own (`benches/node/dns_load.js`).
//! Bad arguments exit with status 2; a run in which more than 1 % of queries fail exits 1.

use std::cell::Cell;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::{Duration, Instant};

use netcore::EventLoop;
use netcore_dns::{Resolver, ResolverOptions};

#[macro_use]
#[path = "load_common.rs"]
#[allow(dead_code)]
mod common;
use common::{parse_num, parse_secs, resolve, LoadError};

/// Default queries in flight (`--inflight`).
const DEFAULT_INFLIGHT: usize = 64;
/// Default run length in seconds (`--secs`).
const DEFAULT_SECS: f64 = 5.0;
/// Default name asked for (`--name`): the fixture of `benches/compare-dns.sh`.
const DEFAULT_NAME: &str = "www.netcore.test";

const USAGE: &str = "usage: dns_load SERVER [--name NAME] [--inflight N] [--secs S]";

struct Config {
    server: SocketAddr,
    name: String,
    inflight: usize,
    run_for: Duration,
}

impl Config {
    fn parse(mut args: impl Iterator<Item = String>) -> Result<Config, String> {
        let mut server = None;
        let mut cfg_name = DEFAULT_NAME.to_owned();
        let mut inflight = DEFAULT_INFLIGHT;
        let mut secs = DEFAULT_SECS;
        while let Some(arg) = args.next() {
            let mut value = |flag: &str| args.next().ok_or_else(|| format!("{flag} needs a value"));
            match arg.as_str() {
                "--name" => cfg_name = value("--name")?,
                "--inflight" => inflight = parse_num("--inflight", &value("--inflight")?)?,
                "--secs" => secs = parse_secs("--secs", &value("--secs")?)?,
                "-h" | "--help" => return Err(USAGE.to_owned()),
                _ if server.is_none() && !arg.starts_with('-') => server = Some(resolve(&arg)?),
                _ => return Err(format!("unexpected argument {arg:?}")),
            }
        }
        let server = server.ok_or("missing SERVER")?;
        if inflight == 0 {
            return Err("--inflight must be at least 1".to_owned());
        }
        Ok(Config { server, name: cfg_name, inflight, run_for: Duration::from_secs_f64(secs) })
    }
}

/// CPU time of every thread of this process so far: the first field (nanoseconds on a CPU) of
/// each `/proc/self/task/TID/schedstat`, or `None` where there is no such file.
fn process_cpu() -> Option<Duration> {
    let mut total = Duration::ZERO;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let s = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
        total += Duration::from_nanos(s.split_whitespace().next()?.parse().ok()?);
    }
    Some(total)
}

/// Counts shared by the callbacks.
struct Counts {
    answered: Cell<u64>,
    errors: Cell<u64>,
    first_error: Cell<Option<String>>,
    last_answer: Cell<Instant>,
}

/// Starts one query whose callback starts the next, until `deadline`.
fn query(lp: &mut EventLoop, r: Resolver, name: Rc<str>, deadline: Instant, counts: Rc<Counts>) {
    let next_name = name.clone();
    r.resolve4(lp, &name, move |lp, result| {
        match result {
            Ok(addrs) if !addrs.is_empty() => counts.answered.set(counts.answered.get() + 1),
            Ok(_) => counts.errors.set(counts.errors.get() + 1),
            Err(e) => {
                counts.errors.set(counts.errors.get() + 1);
                let first = counts.first_error.take().or(Some(e.to_string()));
                counts.first_error.set(first);
            }
        }
        let now = Instant::now();
        counts.last_answer.set(now);
        if now < deadline {
            query(lp, r, next_name, deadline, counts);
        }
    });
}

fn run(cfg: &Config) -> Result<String, LoadError> {
    let mut lp = EventLoop::new().map_err(|e| fail!("event loop: {e}"))?;
    let mut options = ResolverOptions::default();
    options.servers = Some(vec![cfg.server]);
    options.search = Some(Vec::new());
    options.timeout = Some(Duration::from_secs(2));
    options.tries = Some(2);
    let resolver = Resolver::new(&mut lp, options);
    let name: Rc<str> = cfg.name.as_str().into();

    let cpu_start = process_cpu();
    let start = Instant::now();
    let counts = Rc::new(Counts {
        answered: Cell::new(0),
        errors: Cell::new(0),
        first_error: Cell::new(None),
        last_answer: Cell::new(start),
    });
    let deadline = start + cfg.run_for;
    for _ in 0..cfg.inflight {
        query(&mut lp, resolver, name.clone(), deadline, counts.clone());
    }
    lp.run().map_err(|e| fail!("event loop: {e}"))?;
    let cpu = match (cpu_start, process_cpu()) {
        (Some(a), Some(b)) => format!("{:.3}", b.saturating_sub(a).as_secs_f64()),
        _ => "n/a".to_owned(),
    };

    let (answered, errors) = (counts.answered.get(), counts.errors.get());
    if errors * 100 > answered + errors {
        let first = counts.first_error.take().unwrap_or_default();
        return Err(fail!("{errors} of {} queries failed, the first with {first}", answered + errors));
    }
    if errors > 0 {
        let first = counts.first_error.take().unwrap_or_default();
        eprintln!("dns_load: {errors} queries failed, the first with {first}");
    }
    let secs = counts.last_answer.get().duration_since(start).as_secs_f64();
    let rate = if secs > 0.0 { answered as f64 / secs } else { 0.0 };
    Ok(format!("queries={answered} errors={errors} secs={secs:.3} rate={rate:.0} client_cpu={cpu}"))
}

fn main() -> ExitCode {
    common::main_with("dns_load", USAGE, Config::parse, run)
}
