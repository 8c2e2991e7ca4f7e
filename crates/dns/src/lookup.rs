//! `lookup`: the system resolver on the thread pool (Node's `dns.lookup`).

use std::net::IpAddr;

use netcore::lookup::Family;
use netcore::EventLoop;

use crate::error::{Code, Error};

/// Looks `name` up with `getaddrinfo` (so `/etc/hosts` and nsswitch apply) on the loop's thread
/// pool, never blocking the loop (`dns.lookup(name, {family, all: true})`). `family` is 0 (both),
/// 4 or 6. Identical lookups in flight share one job, and the loop's lookup cache, when set
/// ([`EventLoop::set_lookup_cache`]), answers repeats. Errors carry Node's code (`ENOTFOUND`,
/// `EAI_AGAIN`) and syscall `getaddrinfo`. The answer lists every address, first the one Node's
/// `all: false` returns.
///
/// ```
/// let mut lp = netcore::EventLoop::new()?;
/// netcore_dns::lookup(&mut lp, "localhost", 4, |_lp, result| {
///     assert_eq!(result.unwrap()[0].to_string(), "127.0.0.1");
/// });
/// lp.run()?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn lookup(
    lp: &mut EventLoop,
    name: &str,
    family: u8,
    done: impl FnOnce(&mut EventLoop, Result<Vec<IpAddr>, Error>) + 'static,
) {
    let family = match family {
        4 => Family::V4,
        6 => Family::V6,
        _ => Family::Any,
    };
    let hostname = name.to_string();
    lp.lookup(name, family, move |lp, result| {
        let result = result.map(|ips| ips.to_vec()).map_err(|e| {
            let code = match e.code {
                "EAI_AGAIN" => Code::Again,
                "EIO" | "EAI_FAIL" => Code::Io,
                _ => Code::NotFound,
            };
            Error::new(code, "getaddrinfo", hostname)
        });
        done(lp, result)
    });
}
