//! A real DNS server on loopback for tests: unbound (Debian's `unbound` package) serving zone
//! files authoritatively on a free high port, started per test and killed on drop.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

/// How long unbound may take to print `start of service`.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// Attempts at a free port before giving up (another process may take the port between our
/// probe and unbound's bind).
const START_ATTEMPTS: usize = 5;

/// The unbound binary: `$UNBOUND`, else `/usr/sbin/unbound`, else `unbound` on the `PATH`.
pub fn unbound_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("UNBOUND") {
        return Some(PathBuf::from(p));
    }
    let sbin = Path::new("/usr/sbin/unbound");
    if sbin.is_file() {
        return Some(sbin.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join("unbound")).find(|p| p.is_file())
}

/// A running unbound on `127.0.0.1`, UDP and TCP on [`addr`](Unbound::addr), authoritative for
/// the zones it was given; killed and its directory removed on drop.
///
/// ```no_run
/// let zone = "$ORIGIN example.test.\n$TTL 60\n@ SOA ns1 hostmaster 1 3600 600 86400 60\nwww A 192.0.2.1\n";
/// let server = netcore_testkit::Unbound::start(&[("example.test.", zone)]);
/// println!("ask {}", server.addr());
/// ```
#[derive(Debug)]
pub struct Unbound {
    child: Child,
    addr: SocketAddr,
    dir: PathBuf,
}

impl Unbound {
    /// Starts unbound serving `zones`, each `(origin, zone file text)` (RFC 1035 §5 master file
    /// format: `$ORIGIN`, `$TTL`, one record a line, a SOA first), and returns once it prints
    /// `start of service`. Panics, with unbound's output, if it is missing or does not start.
    pub fn start(zones: &[(&str, &str)]) -> Unbound {
        let Some(bin) = unbound_path() else {
            panic!("unbound is not installed (apt-get install unbound; .ci/run does it)")
        };
        let dir = temp_dir();
        let mut last_log = String::new();
        for _ in 0..START_ATTEMPTS {
            let port = free_udp_port();
            let conf = dir.join("unbound.conf");
            let text = config(&dir, port, zones);
            if let Err(e) = std::fs::write(&conf, text) {
                panic!("cannot write {}: {e}", conf.display())
            }
            match spawn(&bin, &conf) {
                Ok(child) => return Unbound { child, addr: SocketAddr::from(([127, 0, 0, 1], port)), dir },
                Err(log) => last_log = log,
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
        panic!("unbound did not start after {START_ATTEMPTS} attempts:\n{last_log}")
    }

    /// Where it listens, UDP and TCP.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its process ID.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Unbound {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A fresh directory for one server's configuration and zone files.
fn temp_dir() -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("netcore-unbound-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        panic!("cannot create {}: {e}", dir.display())
    }
    dir
}

/// A UDP port free a moment ago (bound, read, released).
fn free_udp_port() -> u16 {
    let probe = UdpSocket::bind("127.0.0.1:0").expect("bind a UDP probe socket");
    probe.local_addr().expect("probe address").port()
}

/// unbound's configuration: one thread, no daemon, no chroot, no syslog, loopback only, socket
/// buffers of 4 MiB (a test's burst of queries is not dropped before unbound reads it; the
/// kernel caps this at `net.core.rmem_max`, and unbound warns and goes on), every zone an
/// `auth-zone` read from its file. unbound's built-in local zones (`test.`, the RFC 5737
/// reverse zones, …) would answer first, so each zone and its parents are exempted with
/// `nodefault`.
fn config(dir: &Path, port: u16, zones: &[(&str, &str)]) -> String {
    let dir_text = dir.display();
    let mut conf = format!(
        "server:\n  interface: 127.0.0.1\n  port: {port}\n  do-ip6: no\n  do-daemonize: no\n  \
         num-threads: 1\n  username: \"\"\n  chroot: \"\"\n  directory: \"{dir_text}\"\n  pidfile: \"\"\n  \
         use-syslog: no\n  logfile: \"\"\n  verbosity: 1\n  access-control: 127.0.0.0/8 allow\n  \
         so-rcvbuf: 4m\n  so-sndbuf: 4m\n  module-config: \"iterator\"\n"
    );
    let mut exempt: Vec<String> = Vec::new();
    for (origin, _) in zones {
        let origin = origin.trim_end_matches('.');
        let labels: Vec<&str> = origin.split('.').collect();
        for i in 0..labels.len() {
            let parent = format!("{}.", labels[i..].join("."));
            if !exempt.contains(&parent) {
                exempt.push(parent);
            }
        }
    }
    for zone in &exempt {
        conf.push_str(&format!("  local-zone: \"{zone}\" nodefault\n"));
    }
    for (i, (origin, text)) in zones.iter().enumerate() {
        let file = dir.join(format!("zone{i}"));
        if let Err(e) = std::fs::write(&file, text) {
            panic!("cannot write {}: {e}", file.display())
        }
        let origin = format!("{}.", origin.trim_end_matches('.'));
        conf.push_str(&format!(
            "auth-zone:\n  name: \"{origin}\"\n  zonefile: \"{}\"\n  for-downstream: yes\n  for-upstream: no\n",
            file.display()
        ));
    }
    conf
}

/// Starts unbound and waits for `start of service` on its stderr (then keeps draining it);
/// `Err` holds its output if it exits or stays silent.
fn spawn(bin: &Path, conf: &Path) -> Result<Child, String> {
    let mut child = Command::new(bin)
        .arg("-d")
        .arg("-c")
        .arg(conf)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
    let Some(stderr) = child.stderr.take() else { return Err("no stderr".into()) };
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut log = String::new();
        let mut ready = false;
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if !ready {
                log.push_str(&line);
                log.push('\n');
                if line.contains("start of service") {
                    ready = true;
                    let _ = tx.send(Ok(()));
                }
            }
        }
        if !ready {
            let _ = tx.send(Err(log));
        }
    });
    match rx.recv_timeout(START_TIMEOUT) {
        Ok(Ok(())) => Ok(child),
        Ok(Err(log)) => {
            let _ = child.kill();
            let _ = child.wait();
            Err(log)
        }
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            Err(format!("no `start of service` within {START_TIMEOUT:?}"))
        }
    }
}
