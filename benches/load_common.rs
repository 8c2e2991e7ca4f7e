//! Helpers the load generators share (included with `#[path]`): the error type and the
//! argument and I/O-error helpers.

use std::fmt;
use std::io::{self, ErrorKind};
use std::net::{SocketAddr, ToSocketAddrs};

/// A failed run: what went wrong, already phrased for the user.
#[derive(Debug)]
pub struct LoadError(pub String);

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Builds a [`LoadError`] from a format string.
macro_rules! fail {
    ($($arg:tt)*) => { LoadError(format!($($arg)*)) };
}

/// Resolves `host:port` to its first socket address.
pub fn resolve(addr: &str) -> Result<SocketAddr, String> {
    addr.to_socket_addrs()
        .map_err(|e| format!("cannot resolve {addr:?}: {e}"))?
        .next()
        .ok_or_else(|| format!("{addr:?} resolves to no address"))
}

/// Parses a non-negative integer option.
pub fn parse_num(flag: &str, value: &str) -> Result<usize, String> {
    value.parse().map_err(|_| format!("{flag}: expected a non-negative integer, got {value:?}"))
}

/// Parses a non-negative, finite number of seconds.
pub fn parse_secs(flag: &str, value: &str) -> Result<f64, String> {
    match value.parse::<f64>() {
        Ok(s) if (0.0..1e9).contains(&s) => Ok(s),
        _ => Err(format!("{flag}: expected seconds, got {value:?}")),
    }
}

/// Whether `e` is a socket timeout (reported as `WouldBlock` on Unix, `TimedOut` on Windows).
pub fn is_timeout(e: &io::Error) -> bool {
    matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}

/// Renders an I/O error, naming timeouts as such rather than "resource temporarily unavailable".
pub fn describe(e: &io::Error) -> String {
    if is_timeout(e) {
        format!("timed out ({e})")
    } else {
        e.to_string()
    }
}

/// What a run gives back: its summary line, and whether the run succeeded.
pub trait Outcome {
    /// The line to print on stdout and the success flag.
    fn into_line(self) -> (String, bool);
}

impl Outcome for String {
    fn into_line(self) -> (String, bool) {
        (self, true)
    }
}

impl Outcome for (String, bool) {
    fn into_line(self) -> (String, bool) {
        self
    }
}

/// Every load tool's `main`: parses the arguments with `parse` (`Err(usage)` for `--help` prints
/// the usage and succeeds; any other error prints it with the usage and exits 2), runs `run`, and
/// prints its summary line on stdout or its error on stderr.
pub fn main_with<C, O: Outcome>(
    name: &str,
    usage: &str,
    parse: impl FnOnce(std::iter::Skip<std::env::Args>) -> Result<C, String>,
    run: impl FnOnce(&C) -> Result<O, LoadError>,
) -> std::process::ExitCode {
    use std::process::ExitCode;
    let cfg = match parse(std::env::args().skip(1)) {
        Ok(cfg) => cfg,
        Err(msg) if msg == usage => {
            println!("{usage}");
            return ExitCode::SUCCESS;
        }
        Err(msg) => {
            eprintln!("{name}: {msg}\n{usage}");
            return ExitCode::from(2);
        }
    };
    match run(&cfg).map(Outcome::into_line) {
        Ok((summary, ok)) => {
            println!("{summary}");
            if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("{name}: error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Walks `ADDR [--flag value]... [--switch]...` (program name already removed), the shape every
/// load tool takes: `-h`/`--help` gives `Err(usage)`; the one positional argument is resolved
/// as the address; each of `switches` is handed to `each` with no value, every other `--flag`
/// with the value after it. `each` answers whether it knows the flag.
pub fn parse_args(
    args: impl IntoIterator<Item = String>,
    usage: &str,
    switches: &[&str],
    mut each: impl FnMut(&str, Option<&str>) -> Result<bool, String>,
) -> Result<SocketAddr, String> {
    let mut addr = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let flag = arg.as_str();
        if flag == "-h" || flag == "--help" {
            return Err(usage.to_owned());
        }
        if !flag.starts_with("--") {
            if addr.is_some() {
                return Err(format!("unexpected argument {flag:?}"));
            }
            addr = Some(resolve(flag)?);
            continue;
        }
        let known = if switches.contains(&flag) {
            each(flag, None)?
        } else {
            let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
            each(flag, Some(&value))?
        };
        if !known {
            return Err(format!("unknown option {flag}"));
        }
    }
    addr.ok_or_else(|| "missing ADDR".to_owned())
}
