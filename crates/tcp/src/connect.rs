//! Connecting: resolution on the thread pool and Happy Eyeballs (RFC 8305).
//!
//! A host name is resolved with `getaddrinfo` on the loop's thread pool, never on the loop. The
//! addresses are interleaved by family (RFC 8305 §4: the first family getaddrinfo preferred, then
//! alternating), and attempts start one "connection attempt delay" apart (250 ms by default,
//! §5) or at once when the previous attempt fails; the first attempt to connect wins and the
//! others are closed. Node's `autoSelectFamily` only tries addresses one after another.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::path::Path;

use netcore::{EventLoop, HandleId, Ready, TimerId};

use crate::socket::{self, conn_mut, Phase, SocketHandler, SocketId, SocketOptions};
use crate::stream::{Address, Stream};
use crate::Error;

/// In-flight connection state kept in the socket until it connects or fails.
pub(crate) struct Connecting {
    remaining: VecDeque<SocketAddr>,
    attempts: Vec<HandleId>,
    timer: Option<TimerId>,
    last_error: Option<(io::Error, String)>,
}

/// One attempt: a connecting stream registered under its own token.
struct Attempt {
    owner: SocketId,
    stream: Option<Stream>,
    addr: Address,
}

/// Connects to `target` (`"host:port"`, `"1.2.3.4:80"` or `"[::1]:80"`), like `net.connect`.
///
/// Returns the socket at once; `on_connect` or `on_error` follows. Writes before the connection
/// is up are queued.
///
/// ```no_run
/// use netcore_tcp::{connect, Socket, SocketHandler};
/// struct Get;
/// impl SocketHandler for Get {
///     fn on_connect(&mut self, s: &mut Socket<'_>) {
///         s.end_with(b"GET / HTTP/1.0\r\n\r\n");
///     }
///     fn on_data(&mut self, _s: &mut Socket<'_>, data: &[u8]) {
///         print!("{}", String::from_utf8_lossy(data));
///     }
/// }
/// let mut lp = netcore::EventLoop::new()?;
/// connect(&mut lp, "localhost:80", Get);
/// lp.run()?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn connect(lp: &mut EventLoop, target: &str, handler: impl SocketHandler) -> SocketId {
    connect_with(lp, target, SocketOptions::default(), handler)
}

/// [`connect`] with options.
pub fn connect_with(
    lp: &mut EventLoop,
    target: &str,
    options: SocketOptions,
    handler: impl SocketHandler,
) -> SocketId {
    if let Ok(addr) = target.parse::<SocketAddr>() {
        let id = new_connecting(lp, handler, options, &addr.ip().to_string());
        start(lp, id, vec![addr]);
        return id;
    }
    let Some((host, port)) = split_host_port(target) else {
        let id = new_connecting(lp, handler, options, "");
        let input = target.to_string();
        lp.next_tick(move |lp| socket::fail(lp, id, Error::InvalidAddress { input }));
        return id;
    };
    let id = new_connecting(lp, handler, options, host);
    let name = host.to_string();
    // The loop's lookup: coalesced with identical ones in flight, cached if the loop caches.
    lp.lookup(host, netcore::lookup::Family::Any, move |lp, result| {
        if !id.is_connecting(lp) {
            return;
        }
        match result {
            Ok(ips) => start(lp, id, interleave(ips.iter().map(|ip| SocketAddr::new(*ip, port)).collect())),
            Err(_) => socket::fail(lp, id, Error::HostNotFound { host: name }),
        }
    });
    id
}

/// Connects to the first of `addrs` that answers, racing them with Happy Eyeballs (RFC 8305):
/// attempts start [`SocketOptions::connect_attempt_delay`] apart, or at once when one fails, in
/// the order given (interleave families first if the list is fresh from a resolver). For
/// addresses already resolved elsewhere, e.g. by a DNS resolver.
pub fn connect_addrs(
    lp: &mut EventLoop,
    addrs: &[SocketAddr],
    options: SocketOptions,
    handler: impl SocketHandler,
) -> SocketId {
    let host = addrs.first().map(|a| a.ip().to_string()).unwrap_or_default();
    let id = new_connecting(lp, handler, options, &host);
    if addrs.is_empty() {
        let input = String::new();
        lp.next_tick(move |lp| socket::fail(lp, id, Error::InvalidAddress { input }));
    } else {
        start(lp, id, addrs.to_vec());
    }
    id
}

/// Connects to a Unix domain socket at `path` (`net.connect(path)`).
pub fn connect_path(lp: &mut EventLoop, path: impl AsRef<Path>, handler: impl SocketHandler) -> SocketId {
    let id = new_connecting(lp, handler, SocketOptions::default(), "");
    let path = path.as_ref().to_path_buf();
    match mio::net::UnixStream::connect(&path) {
        Ok(stream) => {
            if let Err(e) = add_attempt(lp, id, Stream::Unix(stream), Address::Unix(Some(path.clone()))) {
                record_failure(lp, id, e, path.display().to_string());
                next(lp, id);
            }
        }
        Err(e) => {
            let err = match e.kind() {
                io::ErrorKind::NotFound => Error::Io(e),
                _ => Error::from_io(e, path.display()),
            };
            lp.next_tick(move |lp| socket::fail(lp, id, err));
        }
    }
    id
}

/// A socket in the connecting phase; its layer, if the options make one, is made for `host`.
fn new_connecting(
    lp: &mut EventLoop,
    handler: impl SocketHandler,
    options: SocketOptions,
    host: &str,
) -> SocketId {
    let layer = options.layer.as_ref().map(|f| f.make(host));
    let id = socket::insert(lp, None, Box::new(handler), options)
        .expect("inserting a socket without a stream cannot fail");
    match layer {
        Some(Ok(layer)) => socket::set_layer(lp, id, layer, &[]),
        Some(Err(e)) => lp.next_tick(move |lp| socket::fail(lp, id, e)),
        None => {}
    }
    if let Some(c) = conn_mut(lp, id) {
        c.connecting = Some(Box::new(Connecting {
            remaining: VecDeque::new(),
            attempts: Vec::new(),
            timer: None,
            last_error: None,
        }));
    }
    id
}

fn split_host_port(target: &str) -> Option<(&str, u16)> {
    let (host, port) = target.rsplit_once(':')?;
    let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    if host.is_empty() {
        return None;
    }
    Some((host, port.parse().ok()?))
}

/// RFC 8305 §4: alternate address families, starting with the family listed first.
pub(crate) fn interleave(addrs: Vec<SocketAddr>) -> Vec<SocketAddr> {
    let Some(first) = addrs.first() else { return addrs };
    let first_v6 = first.is_ipv6();
    let n = addrs.len();
    let (mut a, mut b): (VecDeque<SocketAddr>, VecDeque<SocketAddr>) =
        addrs.into_iter().partition(|x| x.is_ipv6() == first_v6);
    let mut out = Vec::with_capacity(n);
    loop {
        match (a.pop_front(), b.pop_front()) {
            (None, None) => return out,
            (x, y) => out.extend(x.into_iter().chain(y)),
        }
    }
}

fn start(lp: &mut EventLoop, id: SocketId, addrs: Vec<SocketAddr>) {
    if let Some(cn) = conn_mut(lp, id).and_then(|c| c.connecting.as_mut()) {
        cn.remaining.extend(addrs);
    }
    next(lp, id);
}

/// Starts the next attempt; with none left and none in flight, the connect fails.
fn next(lp: &mut EventLoop, id: SocketId) {
    loop {
        let Some(c) = conn_mut(lp, id) else { return };
        let delay = c.options.connect_attempt_delay;
        let Some(cn) = c.connecting.as_mut() else { return };
        let Some(addr) = cn.remaining.pop_front() else {
            if cn.attempts.is_empty() {
                let (e, addr) = cn
                    .last_error
                    .take()
                    .unwrap_or_else(|| (io::ErrorKind::NotConnected.into(), String::new()));
                socket::fail(lp, id, Error::from_io(e, addr));
            }
            return;
        };
        let started = mio::net::TcpStream::connect(addr)
            .and_then(|s| add_attempt(lp, id, Stream::Tcp(s), Address::Inet(addr)));
        match started {
            Ok(()) => {
                let more = conn_mut(lp, id)
                    .and_then(|c| c.connecting.as_ref())
                    .is_some_and(|cn| !cn.remaining.is_empty());
                if more {
                    let timer = lp.set_timeout(delay, move |lp| {
                        if let Some(cn) = conn_mut(lp, id).and_then(|c| c.connecting.as_mut()) {
                            cn.timer = None;
                            next(lp, id);
                        }
                    });
                    lp.unref_timer(timer);
                    if let Some(cn) = conn_mut(lp, id).and_then(|c| c.connecting.as_mut()) {
                        if let Some(old) = cn.timer.replace(timer) {
                            lp.clear_timer(old);
                        }
                    }
                }
                return;
            }
            Err(e) => record_failure(lp, id, e, addr.to_string()),
        }
    }
}

fn record_failure(lp: &mut EventLoop, id: SocketId, e: io::Error, addr: String) {
    if let Some(cn) = conn_mut(lp, id).and_then(|c| c.connecting.as_mut()) {
        cn.last_error = Some((e, addr));
    }
}

fn add_attempt(lp: &mut EventLoop, owner: SocketId, stream: Stream, addr: Address) -> io::Result<()> {
    let aid = lp.insert_handle(Attempt { owner, stream: Some(stream), addr }, attempt_ready);
    lp.unref_handle(aid);
    let registered = match lp.handle_and_registry::<Attempt>(aid) {
        Some((a, registry)) => match a.stream.as_mut() {
            Some(s) => s.register(registry, aid.token()),
            None => Ok(()),
        },
        None => Ok(()),
    };
    if let Err(e) = registered {
        lp.remove_handle(aid);
        return Err(e);
    }
    if let Some(cn) = conn_mut(lp, owner).and_then(|c| c.connecting.as_mut()) {
        cn.attempts.push(aid);
    }
    Ok(())
}

fn remove_attempt(lp: &mut EventLoop, aid: HandleId) -> Option<Attempt> {
    if let Some((a, registry)) = lp.handle_and_registry::<Attempt>(aid) {
        if let Some(s) = a.stream.as_mut() {
            s.deregister(registry);
        }
    }
    let a = lp.remove_handle(aid)?.downcast::<Attempt>().ok()?;
    Some(*a)
}

fn attempt_ready(lp: &mut EventLoop, aid: HandleId, _ready: Ready) {
    let Some(a) = lp.handle::<Attempt>(aid) else { return };
    let Some(stream) = a.stream.as_ref() else { return };
    let status = match stream.take_error() {
        Ok(Some(e)) | Err(e) => Err(e),
        Ok(None) => match stream.peer_addr() {
            Ok(_) => Ok(()),
            // Still in progress: a spurious wake-up.
            Err(e) if e.kind() == io::ErrorKind::NotConnected => return,
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => return,
            Err(e) => Err(e),
        },
    };
    match status {
        Ok(()) => won(lp, aid),
        Err(e) => {
            let Some(a) = remove_attempt(lp, aid) else { return };
            let owner = a.owner;
            let addr = a.addr.to_string();
            let Some(cn) = conn_mut(lp, owner).and_then(|c| c.connecting.as_mut()) else { return };
            cn.attempts.retain(|x| *x != aid);
            cn.last_error = Some((e, addr));
            if cn.attempts.is_empty() {
                // RFC 8305 §5: a failed attempt starts the next one without waiting for the delay.
                if let Some(t) = cn.timer.take() {
                    lp.clear_timer(t);
                }
                next(lp, owner);
            }
        }
    }
}

fn won(lp: &mut EventLoop, aid: HandleId) {
    let Some(mut a) = remove_attempt(lp, aid) else { return };
    let owner = a.owner;
    let Some(stream) = a.stream.take() else { return };
    let Some(c) = conn_mut(lp, owner) else { return };
    if c.phase != Phase::Connecting {
        return;
    }
    if let Some(mut cn) = c.connecting.take() {
        cn.attempts.retain(|x| *x != aid);
        abandon(lp, *cn);
    }
    if let Err(e) = socket::install_stream(lp, owner, stream) {
        socket::fail(lp, owner, Error::from_io(e, a.addr));
        return;
    }
    socket::start_layer(lp, owner);
    socket::with_handler(lp, owner, |h, s| h.on_connect(s));
    socket::flush(lp, owner);
    // Data may have arrived with the handshake's completion.
    lp.requeue(owner.0, Ready::READABLE);
}

/// Closes every attempt still in flight and the stagger timer.
pub(crate) fn abandon(lp: &mut EventLoop, cn: Connecting) {
    if let Some(t) = cn.timer {
        lp.clear_timer(t);
    }
    for aid in cn.attempts {
        remove_attempt(lp, aid);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interleaves_families_starting_with_the_first() {
        let v6a: SocketAddr = "[::1]:1".parse().unwrap();
        let v6b: SocketAddr = "[::2]:1".parse().unwrap();
        let v4a: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let v4b: SocketAddr = "127.0.0.2:1".parse().unwrap();
        assert_eq!(interleave(vec![v6a, v6b, v4a, v4b]), [v6a, v4a, v6b, v4b]);
        assert_eq!(interleave(vec![v4a, v6a, v6b]), [v4a, v6a, v6b]);
        assert_eq!(interleave(vec![]), Vec::<SocketAddr>::new());
    }

    #[test]
    fn splits_host_and_port() {
        assert_eq!(split_host_port("localhost:80"), Some(("localhost", 80)));
        assert_eq!(split_host_port("[::1]:80"), Some(("::1", 80)));
        assert_eq!(split_host_port("localhost"), None);
        assert_eq!(split_host_port(":80"), None);
        assert_eq!(split_host_port("host:99999"), None);
    }
}
