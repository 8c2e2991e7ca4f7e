//! UDP sockets (Node's `dgram.Socket`) on the loop.

use std::collections::VecDeque;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV6};
use std::os::fd::AsRawFd;

use netcore::{EventLoop, HandleId, Ready};
use socket2::{Domain, Protocol, SockRef, Type};

use crate::sys::{self, Received, BATCH, SLOT};
use crate::Error;

/// Receive batches served per readiness event before the socket yields to other handles (without
/// batching: as many single reads as these batches hold datagrams).
const BATCHES_PER_EVENT: usize = 8;

/// Settings for [`bind_with`].
///
/// ```
/// use netcore_udp::{bind_with, BindOptions};
///
/// let mut options = BindOptions::default();
/// options.reuse_addr = true; // Node's `reuseAddr`: several sockets on one multicast port
/// options.recv_buffer_size = Some(1 << 20); // `recvBufferSize`
/// let mut lp = netcore::EventLoop::new()?;
/// let socket = bind_with(&mut lp, "127.0.0.1:0", options, ())?;
/// assert!(socket.recv_buffer_size(&lp)? > 0); // what the kernel granted (capped by `rmem_max`)
/// socket.close(&mut lp);
/// lp.run()?;
/// # Ok::<(), netcore_udp::Error>(())
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct BindOptions {
    /// `SO_REUSEADDR` (Node's `reuseAddr`, default false): several sockets may bind the port;
    /// needed to receive multicast in several processes.
    pub reuse_addr: bool,
    /// `SO_REUSEPORT` (default false): each of several loops binds its own socket to one port and
    /// the kernel spreads datagrams over them. Node's `exclusive: false` shares one handle between
    /// cluster workers instead.
    pub reuse_port: bool,
    /// For an IPv6 address, refuse IPv4 traffic (Node's `ipv6Only`, default false: `::` is
    /// dual-stack).
    pub ipv6_only: bool,
    /// `SO_RCVBUF` in bytes (Node's `recvBufferSize`; default: the system's).
    pub recv_buffer_size: Option<usize>,
    /// `SO_SNDBUF` in bytes (Node's `sendBufferSize`; default: the system's).
    pub send_buffer_size: Option<usize>,
    /// Read and send many datagrams per system call (`recvmmsg`/`sendmmsg`) where the OS has them
    /// (default true; Linux).
    pub batch_io: bool,
}

impl Default for BindOptions {
    fn default() -> Self {
        Self {
            reuse_addr: false,
            reuse_port: false,
            ipv6_only: false,
            recv_buffer_size: None,
            send_buffer_size: None,
            batch_io: cfg!(target_os = "linux"),
        }
    }
}

/// Who sent a datagram, and how big it was (Node's `rinfo`).
///
/// ```
/// use netcore_udp::{bind, on_message};
///
/// let mut lp = netcore::EventLoop::new()?;
/// let sender = bind(&mut lp, "127.0.0.1:0", ())?;
/// let from = sender.local_address(&lp).unwrap();
/// let receiver = bind(&mut lp, "127.0.0.1:0", on_message(move |s, data, rinfo| {
///     assert_eq!((rinfo.address, rinfo.port(), rinfo.family()), (from, from.port(), "IPv4"));
///     assert_eq!((data, rinfo.size, rinfo.truncated), (&b"hello"[..], 5, false));
///     s.close();
/// }))?;
/// let to = receiver.local_address(&lp).unwrap();
/// sender.send_to(&mut lp, b"hello", to)?;
/// sender.close(&mut lp);
/// lp.run()?;
/// # Ok::<(), netcore_udp::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteInfo {
    /// The sender's address and port.
    pub address: SocketAddr,
    /// The datagram's size in bytes (more than the data handed over if `truncated`).
    pub size: usize,
    /// The datagram was larger than the receive buffer and was cut (never silently).
    pub truncated: bool,
}

impl RemoteInfo {
    /// `"IPv4"` or `"IPv6"`, as Node's `rinfo.family`.
    pub fn family(&self) -> &'static str {
        if self.address.is_ipv4() {
            "IPv4"
        } else {
            "IPv6"
        }
    }
    /// The sender's port.
    pub fn port(&self) -> u16 {
        self.address.port()
    }
}

/// Identifies a send made with [`SocketId::send_tracked`]; its outcome arrives in
/// [`SocketHandler::on_sent`].
///
/// ```
/// use netcore_udp::{bind, on_message, Error, RemoteInfo, SendId, Socket, SocketHandler};
///
/// /// Checks that the tracked send finished with all its bytes.
/// struct Tracker;
/// impl SocketHandler for Tracker {
///     fn on_message(&mut self, _: &mut Socket<'_>, _: &[u8], _: &RemoteInfo) {}
///     fn on_sent(&mut self, s: &mut Socket<'_>, id: SendId, result: Result<usize, &Error>) {
///         assert_eq!(s.lp().state::<SendId>(), Some(&id));
///         assert_eq!(result.ok(), Some(5)); // Node's send callback: the bytes sent
///         s.close();
///     }
/// }
///
/// let mut lp = netcore::EventLoop::new()?;
/// let sink = bind(&mut lp, "127.0.0.1:0", on_message(|s, _, _| s.close()))?;
/// let to = sink.local_address(&lp).unwrap();
/// let sender = bind(&mut lp, "127.0.0.1:0", Tracker)?;
/// let id = sender.send_tracked(&mut lp, b"hello", Some(to))?;
/// lp.set_state(id); // the outcome comes later, on the loop
/// lp.run()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SendId(u64);

/// What a UDP socket's owner does on its events (Node's `dgram.Socket` events).
///
/// ```
/// use netcore::EventLoop;
/// use netcore_udp::{bind, on_message, RemoteInfo, Socket, SocketHandler, SocketId};
///
/// /// A client: sends once it is bound, takes the echo, closes both sockets.
/// struct Client { server: SocketAddr, echo: SocketId }
/// # use std::net::SocketAddr;
/// impl SocketHandler for Client {
///     fn on_listening(&mut self, s: &mut Socket<'_>) {
///         s.send_to(b"ping", self.server).unwrap();
///     }
///     fn on_message(&mut self, s: &mut Socket<'_>, data: &[u8], rinfo: &RemoteInfo) {
///         assert_eq!((data, rinfo.address), (&b"ping"[..], self.server));
///         let echo = self.echo;
///         echo.close(s.lp());
///         s.close();
///     }
/// }
///
/// let mut lp = EventLoop::new()?;
/// // The echo server: Node's `s.on('message', (msg, rinfo) => s.send(msg, rinfo.port, rinfo.address))`.
/// let echo = bind(&mut lp, "127.0.0.1:0", on_message(|s, msg, rinfo| {
///     let _ = s.send_to(msg, rinfo.address);
/// }))?;
/// let server = echo.local_address(&lp).unwrap();
/// bind(&mut lp, "127.0.0.1:0", Client { server, echo })?;
/// lp.run()?; // both closed: nothing keeps the loop alive
/// # Ok::<(), netcore_udp::Error>(())
/// ```
pub trait SocketHandler: 'static {
    /// The socket is bound (`listening`), on the next tick after `bind`.
    fn on_listening(&mut self, socket: &mut Socket<'_>) {
        let _ = socket;
    }
    /// A datagram arrived (`message`). `data` borrows the loop's receive buffer.
    fn on_message(&mut self, socket: &mut Socket<'_>, data: &[u8], rinfo: &RemoteInfo) {
        let _ = (socket, data, rinfo);
    }
    /// [`SocketId::connect`] completed (`connect`).
    fn on_connect(&mut self, socket: &mut Socket<'_>) {
        let _ = socket;
    }
    /// A tracked send finished: bytes sent or the error (Node's send callback).
    fn on_sent(&mut self, socket: &mut Socket<'_>, id: SendId, result: Result<usize, &Error>) {
        let _ = (socket, id, result);
    }
    /// Something failed (`error`): an untracked send that failed after being queued, or
    /// `ECONNREFUSED` on a connected socket. The socket stays open.
    fn on_error(&mut self, socket: &mut Socket<'_>, error: &Error) {
        let _ = (socket, error);
    }
    /// The socket is closed (`close`).
    fn on_close(&mut self, lp: &mut EventLoop, id: SocketId) {
        let _ = (lp, id);
    }
}

impl SocketHandler for () {}

/// A handler of one closure for `message`: `udp::on_message(|s, data, rinfo| ...)`.
pub fn on_message<F>(f: F) -> OnMessage<F>
where
    F: FnMut(&mut Socket<'_>, &[u8], &RemoteInfo) + 'static,
{
    OnMessage(f)
}

/// See [`on_message`].
#[derive(Debug)]
pub struct OnMessage<F>(F);

impl<F> SocketHandler for OnMessage<F>
where
    F: FnMut(&mut Socket<'_>, &[u8], &RemoteInfo) + 'static,
{
    fn on_message(&mut self, socket: &mut Socket<'_>, data: &[u8], rinfo: &RemoteInfo) {
        (self.0)(socket, data, rinfo)
    }
}

/// Names a UDP socket on its loop. `Copy`; operations on a closed socket fail with
/// [`Error::Closed`] or do nothing.
///
/// ```
/// use netcore_udp::{bind, on_message, Error};
///
/// let mut lp = netcore::EventLoop::new()?;
/// let receiver = bind(&mut lp, "127.0.0.1:0", on_message(|s, data, _rinfo| {
///     assert_eq!(data, b"over a connected socket");
///     s.close();
/// }))?;
/// let peer = receiver.local_address(&lp).unwrap();
/// let sender = bind(&mut lp, "127.0.0.1:0", ())?;
/// assert!(matches!(sender.send(&mut lp, b"x"), Err(Error::NotConnected))); // no peer yet
/// sender.connect(&mut lp, peer)?;
/// assert_eq!(sender.remote_address(&lp), Some(peer));
/// sender.send(&mut lp, b"over a connected socket")?;
/// sender.close(&mut lp);
/// assert!(matches!(sender.send(&mut lp, b"x"), Err(Error::Closed)));
/// lp.run()?;
/// # Ok::<(), netcore_udp::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SocketId(HandleId);

struct Pending {
    start: usize,
    len: usize,
    to: Option<SocketAddr>,
    id: Option<u64>,
}

/// Datagrams waiting for the kernel: one byte arena, no allocation per datagram.
#[derive(Default)]
struct Outbox {
    bytes: Vec<u8>,
    items: VecDeque<Pending>,
}

struct State {
    sock: Option<mio::net::UdpSocket>,
    handler: Option<Box<dyn SocketHandler>>,
    v6: bool,
    connected: Option<SocketAddr>,
    outbox: Outbox,
    corked: bool,
    batch_io: bool,
    next_send: u64,
}

/// The loop's receive buffer for UDP: [`BATCH`] slots of [`SLOT`] bytes, shared by every UDP
/// socket of the loop (pages are only touched as datagrams land).
#[derive(Default)]
struct RecvArena {
    buf: Vec<u8>,
    meta: Vec<Received>,
}

fn state(lp: &EventLoop, id: SocketId) -> Option<&State> {
    lp.handle::<State>(id.0)
}

fn state_mut(lp: &mut EventLoop, id: SocketId) -> Option<&mut State> {
    lp.handle_mut::<State>(id.0)
}

/// Binds a UDP socket to `addr` (`"0.0.0.0:41234"`, `"[::1]:0"`; port 0 picks one) and hands its
/// events to `handler` (`dgram.createSocket` + `bind`). The family follows the address.
///
/// ```
/// use netcore_udp::{bind, on_message};
/// let mut lp = netcore::EventLoop::new()?;
/// let echo = bind(&mut lp, "127.0.0.1:0", on_message(|s, data, rinfo| {
///     let _ = s.send_to(data, rinfo.address);
/// }))?;
/// println!("listening on {}", echo.local_address(&lp).unwrap());
/// echo.close(&mut lp); // a real server would lp.run() here
/// lp.run()?;
/// # Ok::<(), netcore_udp::Error>(())
/// ```
pub fn bind(lp: &mut EventLoop, addr: &str, handler: impl SocketHandler) -> Result<SocketId, Error> {
    bind_with(lp, addr, BindOptions::default(), handler)
}

/// [`bind`] with options.
pub fn bind_with(
    lp: &mut EventLoop,
    addr: &str,
    options: BindOptions,
    handler: impl SocketHandler,
) -> Result<SocketId, Error> {
    let sockaddr: SocketAddr = addr.parse().map_err(|_| Error::InvalidAddress { input: addr.to_string() })?;
    let sock = open(sockaddr, &options).map_err(|e| Error::from_io(e, sockaddr, 0))?;
    let st = State {
        sock: None,
        handler: Some(Box::new(handler)),
        v6: sockaddr.is_ipv6(),
        connected: None,
        outbox: Outbox::default(),
        corked: false,
        batch_io: options.batch_io,
        next_send: 0,
    };
    let hid = lp.insert_handle(st, on_ready);
    let mut sock = sock;
    if let Err(e) =
        lp.registry().register(&mut sock, hid.token(), mio::Interest::READABLE | mio::Interest::WRITABLE)
    {
        lp.remove_handle(hid);
        return Err(Error::Io(e));
    }
    if let Some(st) = lp.handle_mut::<State>(hid) {
        st.sock = Some(sock);
    }
    let id = SocketId(hid);
    // As Node, no `listening` for a socket closed before the tick came.
    lp.next_tick(move |lp| {
        if id.is_open(lp) {
            with_handler(lp, id, |h, s| h.on_listening(s))
        }
    });
    Ok(id)
}

fn open(addr: SocketAddr, options: &BindOptions) -> io::Result<mio::net::UdpSocket> {
    let s = socket2::Socket::new(
        Domain::for_address(addr),
        Type::DGRAM.nonblocking().cloexec(),
        Some(Protocol::UDP),
    )?;
    if options.reuse_addr {
        s.set_reuse_address(true)?;
    }
    if options.reuse_port {
        s.set_reuse_port(true)?;
    }
    if addr.is_ipv6() {
        s.set_only_v6(options.ipv6_only)?;
    }
    if let Some(n) = options.recv_buffer_size {
        s.set_recv_buffer_size(n)?;
    }
    if let Some(n) = options.send_buffer_size {
        s.set_send_buffer_size(n)?;
    }
    s.bind(&addr.into())?;
    Ok(mio::net::UdpSocket::from_std(s.into()))
}

fn with_handler(
    lp: &mut EventLoop,
    id: SocketId,
    f: impl FnOnce(&mut dyn SocketHandler, &mut Socket<'_>) + 'static,
) {
    let Some(st) = state_mut(lp, id) else { return };
    let Some(mut h) = st.handler.take() else {
        lp.next_tick(move |lp| with_handler(lp, id, f));
        return;
    };
    f(&mut *h, &mut Socket { lp, id });
    if let Some(st) = state_mut(lp, id) {
        if st.handler.is_none() {
            st.handler = Some(h);
        }
    }
}

fn on_ready(lp: &mut EventLoop, hid: HandleId, ready: Ready) {
    let id = SocketId(hid);
    if ready.is_writable() && state(lp, id).is_some_and(|st| !st.outbox.items.is_empty()) {
        flush(lp, id);
    }
    if ready.is_readable() || ready.is_error() {
        receive(lp, id);
    }
}

/// Reads datagrams (in batches where possible) and hands each to the handler. Sends made while
/// handling a batch are corked and leave together in one `sendmmsg` afterwards.
fn receive(lp: &mut EventLoop, id: SocketId) {
    // Datagrams one read returns at most: fewer means the socket is drained. One at a time
    // (batching off, or no recvmmsg), the socket gets as many reads per event as batched.
    let Some(batch_io) = state(lp, id).map(|st| st.batch_io) else { return };
    let per_read = if cfg!(target_os = "linux") && batch_io { BATCH } else { 1 };
    for _ in 0..BATCHES_PER_EVENT * BATCH / per_read {
        let mut arena = std::mem::take(lp.state_or_default::<RecvArena>());
        let Some(st) = state(lp, id) else {
            *lp.state_or_default::<RecvArena>() = arena;
            return;
        };
        let Some(sock) = st.sock.as_ref() else {
            *lp.state_or_default::<RecvArena>() = arena;
            return;
        };
        let result = read_batch(sock, st.batch_io, &mut arena);
        match result {
            Ok(0) => {
                *lp.state_or_default::<RecvArena>() = arena;
                return;
            }
            Ok(n) => {
                if let Some(st) = state_mut(lp, id) {
                    st.corked = true;
                }
                for (i, r) in arena.meta.iter().take(n).enumerate() {
                    let Some(address) = r.from else { continue };
                    let rinfo = RemoteInfo { address, size: r.size, truncated: r.size > r.len };
                    // Datagram i sits in slot i of the arena.
                    let start = i * SLOT;
                    let data = &arena.buf[start..start + r.len];
                    deliver(lp, id, data, &rinfo);
                    if !state(lp, id).is_some_and(|st| st.sock.is_some()) {
                        break;
                    }
                }
                *lp.state_or_default::<RecvArena>() = arena;
                if let Some(st) = state_mut(lp, id) {
                    st.corked = false;
                }
                flush(lp, id);
                if n < per_read {
                    return;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                *lp.state_or_default::<RecvArena>() = arena;
                return;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                *lp.state_or_default::<RecvArena>() = arena;
            }
            Err(e) => {
                *lp.state_or_default::<RecvArena>() = arena;
                // ECONNREFUSED (an ICMP answer on a connected socket) and the like: report and go
                // on reading; the socket stays usable, as in Node.
                let peer =
                    state(lp, id).and_then(|st| st.connected).map(|a| a.to_string()).unwrap_or_default();
                let err = Error::from_io(e, peer, 0);
                with_handler(lp, id, move |h, s| h.on_error(s, &err));
            }
        }
    }
    lp.requeue(id.0, Ready::READABLE);
}

/// Fills the arena with one batch (or one datagram); returns the number of datagrams.
fn read_batch(sock: &mio::net::UdpSocket, batch: bool, arena: &mut RecvArena) -> io::Result<usize> {
    #[cfg(target_os = "linux")]
    if batch {
        if arena.buf.len() < SLOT * BATCH {
            arena.buf = vec![0; SLOT * BATCH];
        }
        arena.meta.reserve(BATCH);
        return sys::recv_batch(sock.as_raw_fd(), &mut arena.buf, &mut arena.meta);
    }
    let _ = batch;
    if arena.buf.len() < SLOT {
        arena.buf = vec![0; SLOT];
    }
    let r = sys::recv_one(sock, &mut arena.buf[..SLOT])?;
    arena.meta.clear();
    arena.meta.push(r);
    Ok(1)
}

fn deliver(lp: &mut EventLoop, id: SocketId, data: &[u8], rinfo: &RemoteInfo) {
    let Some(st) = state_mut(lp, id) else { return };
    let Some(mut h) = st.handler.take() else { return };
    h.on_message(&mut Socket { lp, id }, data, rinfo);
    if let Some(st) = state_mut(lp, id) {
        if st.handler.is_none() {
            st.handler = Some(h);
        }
    }
}

/// Sends what the outbox holds, as many per system call as the OS allows.
fn flush(lp: &mut EventLoop, id: SocketId) {
    let mut reports: Vec<(Option<u64>, Result<usize, Error>)> = Vec::new();
    loop {
        let Some(st) = state_mut(lp, id) else { return };
        let Some(sock) = st.sock.as_ref() else { return };
        if st.outbox.items.is_empty() {
            break;
        }
        let ob = &st.outbox;
        let result = send_some(sock, st.batch_io, ob);
        let ob = &mut st.outbox;
        match result {
            Ok(sent) => {
                for _ in 0..sent {
                    if let Some(p) = ob.items.pop_front() {
                        if p.id.is_some() {
                            reports.push((p.id, Ok(p.len)));
                        }
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                // The first queued datagram failed: report it and drop it; the rest go on.
                if let Some(p) = ob.items.pop_front() {
                    let to = p.to.map(|a| a.to_string()).unwrap_or_default();
                    reports.push((p.id, Err(Error::from_io(e, to, p.len))));
                }
            }
        }
    }
    if let Some(st) = state_mut(lp, id) {
        if st.outbox.items.is_empty() {
            st.outbox.bytes.clear();
            if st.outbox.bytes.capacity() > 256 * 1024 {
                st.outbox.bytes = Vec::new();
            }
        }
    }
    for (send, result) in reports {
        report(lp, id, send, result);
    }
}

fn send_some(sock: &mio::net::UdpSocket, batch: bool, ob: &Outbox) -> io::Result<usize> {
    #[cfg(target_os = "linux")]
    if batch && ob.items.len() > 1 {
        let mut items: [(&[u8], Option<SocketAddr>); BATCH] = [(&[], None); BATCH];
        let n = ob.items.len().min(BATCH);
        for (slot, p) in items.iter_mut().zip(ob.items.iter()) {
            *slot = (&ob.bytes[p.start..p.start + p.len], p.to);
        }
        return sys::send_batch(sock.as_raw_fd(), &items[..n]);
    }
    let _ = batch;
    let Some(p) = ob.items.front() else { return Ok(0) };
    sys::send_one(sock, &ob.bytes[p.start..p.start + p.len], p.to).map(|_| 1)
}

fn report(lp: &mut EventLoop, id: SocketId, send: Option<u64>, result: Result<usize, Error>) {
    match (send, result) {
        (Some(n), result) => {
            with_handler(lp, id, move |h, s| h.on_sent(s, SendId(n), result.as_ref().map(|b| *b)))
        }
        (None, Err(e)) => with_handler(lp, id, move |h, s| h.on_error(s, &e)),
        (None, Ok(_)) => {}
    }
}

/// Checks a destination and adapts it to the socket's family (IPv4 to a dual-stack IPv6 socket
/// becomes IPv4-mapped).
fn destination(v6: bool, to: SocketAddr) -> Result<SocketAddr, Error> {
    if to.port() == 0 {
        return Err(Error::InvalidAddress { input: to.to_string() });
    }
    match (v6, to) {
        (true, SocketAddr::V4(a)) => {
            Ok(SocketAddr::V6(SocketAddrV6::new(a.ip().to_ipv6_mapped(), a.port(), 0, 0)))
        }
        (false, SocketAddr::V6(a)) => match a.ip().to_ipv4_mapped() {
            Some(ip) => Ok(SocketAddr::new(IpAddr::V4(ip), a.port())),
            None => Err(Error::InvalidAddress { input: to.to_string() }),
        },
        _ => Ok(to),
    }
}

fn send(
    lp: &mut EventLoop,
    id: SocketId,
    data: &[u8],
    to: Option<SocketAddr>,
    track: bool,
) -> Result<Option<SendId>, Error> {
    let Some(st) = state_mut(lp, id) else { return Err(Error::Closed) };
    let Some(sock) = st.sock.as_ref() else { return Err(Error::Closed) };
    let to = match (to, st.connected) {
        (Some(_), Some(_)) => return Err(Error::AlreadyConnected),
        (None, None) => return Err(Error::NotConnected),
        (Some(addr), None) => Some(destination(st.v6, addr)?),
        (None, Some(_)) => None,
    };
    let limit = if st.v6 { 65_527 } else { 65_507 };
    if data.len() > limit {
        return Err(Error::MessageTooLarge { size: data.len() });
    }
    let send_id = track.then(|| {
        st.next_send += 1;
        st.next_send
    });
    if !st.corked && st.outbox.items.is_empty() {
        match sys::send_one(sock, data, to) {
            Ok(n) => {
                if let Some(n_id) = send_id {
                    lp.next_tick(move |lp| report(lp, id, Some(n_id), Ok(n)));
                }
                return Ok(send_id.map(SendId));
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => {
                let target = to.or(st.connected).map(|a| a.to_string()).unwrap_or_default();
                return Err(Error::from_io(e, target, data.len()));
            }
        }
    }
    // Corked inside a receive batch, or the kernel's buffer is full: queue, never drop.
    let ob = &mut st.outbox;
    let start = ob.bytes.len();
    ob.bytes.extend_from_slice(data);
    ob.items.push_back(Pending { start, len: data.len(), to, id: send_id });
    Ok(send_id.map(SendId))
}

/// A UDP socket during one of its handler's callbacks: the socket's operations plus the loop.
///
/// ```
/// use netcore_udp::{bind, on_message, SocketId};
///
/// let mut lp = netcore::EventLoop::new()?;
/// // Inside a callback, `s` sends, reaches the loop and closes.
/// let echo = bind(&mut lp, "127.0.0.1:0", on_message(|s, msg, rinfo| {
///     let _ = s.send_to(msg, rinfo.address);
/// }))?;
/// lp.set_state(echo);
/// let client = bind(&mut lp, "127.0.0.1:0", on_message(|s, msg, rinfo| {
///     assert_eq!(msg, b"hi");
///     let echo = *s.lp().state::<SocketId>().unwrap();
///     assert_eq!(Some(rinfo.address), echo.local_address(s.lp()));
///     echo.close(s.lp());
///     s.close();
/// }))?;
/// let to = echo.local_address(&lp).unwrap();
/// client.send_to(&mut lp, b"hi", to)?;
/// lp.run()?;
/// # Ok::<(), netcore_udp::Error>(())
/// ```
pub struct Socket<'a> {
    lp: &'a mut EventLoop,
    id: SocketId,
}

impl std::fmt::Debug for Socket<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Socket").field("id", &self.id).finish_non_exhaustive()
    }
}

impl<'a> Socket<'a> {
    /// A context for `id` (for code holding an id and the loop).
    pub fn new(lp: &'a mut EventLoop, id: SocketId) -> Self {
        Socket { lp, id }
    }
    /// This socket's id.
    pub fn id(&self) -> SocketId {
        self.id
    }
    /// The loop.
    pub fn lp(&mut self) -> &mut EventLoop {
        self.lp
    }
    /// See [`SocketId::send_to`].
    pub fn send_to(&mut self, data: &[u8], to: SocketAddr) -> Result<(), Error> {
        self.id.send_to(self.lp, data, to)
    }
    /// See [`SocketId::send`].
    pub fn send(&mut self, data: &[u8]) -> Result<(), Error> {
        self.id.send(self.lp, data)
    }
    /// See [`SocketId::close`].
    pub fn close(&mut self) {
        self.id.close(self.lp)
    }
    /// See [`SocketId::local_address`].
    pub fn local_address(&self) -> Option<SocketAddr> {
        self.id.local_address(self.lp)
    }
    /// See [`SocketId::remote_address`].
    pub fn remote_address(&self) -> Option<SocketAddr> {
        self.id.remote_address(self.lp)
    }
}

fn sock_ref<R>(
    lp: &EventLoop,
    id: SocketId,
    f: impl FnOnce(SockRef<'_>) -> io::Result<R>,
) -> Result<R, Error> {
    let sock = state(lp, id).and_then(|st| st.sock.as_ref()).ok_or(Error::Closed)?;
    f(SockRef::from(sock)).map_err(Error::Io)
}

fn is_v6(lp: &EventLoop, id: SocketId) -> bool {
    state(lp, id).is_some_and(|st| st.v6)
}

impl SocketId {
    /// Sends one datagram to `to` (`socket.send(msg, port, address)`). The datagram goes out at
    /// once, or is queued if the kernel's buffer is full (never dropped, never spun on). Errors
    /// known at once (a bad address, too large; `EACCES` for broadcast without permission when
    /// the kernel is asked at once) are returned; a queued datagram (sent while a receive batch
    /// is handled, or while the kernel's buffer is full) that fails later is reported by
    /// `on_error`.
    pub fn send_to(self, lp: &mut EventLoop, data: &[u8], to: SocketAddr) -> Result<(), Error> {
        send(lp, self, data, Some(to), false).map(|_| ())
    }

    /// Sends one datagram on a connected socket (`socket.send(msg)` after `connect`).
    pub fn send(self, lp: &mut EventLoop, data: &[u8]) -> Result<(), Error> {
        send(lp, self, data, None, false).map(|_| ())
    }

    /// Like [`send_to`](Self::send_to) (or [`send`](Self::send) with `to = None`), and reports
    /// the bytes sent or the error to [`SocketHandler::on_sent`] (Node's send callback).
    pub fn send_tracked(
        self,
        lp: &mut EventLoop,
        data: &[u8],
        to: Option<SocketAddr>,
    ) -> Result<SendId, Error> {
        send(lp, self, data, to, true).map(|id| id.unwrap_or(SendId(0)))
    }

    /// Associates the socket with one peer (`socket.connect`): `send` needs no address and only
    /// that peer's datagrams arrive. `on_connect` follows on the next tick.
    pub fn connect(self, lp: &mut EventLoop, to: SocketAddr) -> Result<(), Error> {
        let st = state_mut(lp, self).ok_or(Error::Closed)?;
        let sock = st.sock.as_ref().ok_or(Error::Closed)?;
        if st.connected.is_some() {
            return Err(Error::AlreadyConnected);
        }
        let to = destination(st.v6, to)?;
        sock.connect(to).map_err(|e| Error::from_io(e, to, 0))?;
        st.connected = Some(to);
        lp.next_tick(move |lp| {
            if self.is_open(lp) {
                with_handler(lp, self, |h, s| h.on_connect(s))
            }
        });
        Ok(())
    }

    /// Dissolves the association made by [`connect`](Self::connect) (`socket.disconnect`).
    pub fn disconnect(self, lp: &mut EventLoop) -> Result<(), Error> {
        let st = state_mut(lp, self).ok_or(Error::Closed)?;
        let sock = st.sock.as_ref().ok_or(Error::Closed)?;
        if st.connected.is_none() {
            return Err(Error::NotConnected);
        }
        #[cfg(target_os = "linux")]
        sys::disconnect(sock.as_raw_fd()).map_err(Error::Io)?;
        #[cfg(not(target_os = "linux"))]
        let _ = sock;
        st.connected = None;
        Ok(())
    }

    /// Closes the socket (`socket.close`); queued datagrams are dropped (a tracked one's
    /// `on_sent` reports [`Error::Closed`]); `on_close` follows in the close phase.
    pub fn close(self, lp: &mut EventLoop) {
        let Some((st, registry)) = lp.handle_and_registry::<State>(self.0) else { return };
        let Some(mut sock) = st.sock.take() else { return };
        let _ = registry.deregister(&mut sock);
        drop(sock);
        // Tracked sends still queued are cancelled: their `on_sent` reports `Closed` (Node's send
        // callbacks get an error too) before `on_close`.
        let cancelled: Vec<u64> = st.outbox.items.iter().filter_map(|p| p.id).collect();
        st.outbox = Outbox::default();
        lp.defer_close(move |lp| {
            for n in cancelled {
                report(lp, self, Some(n), Err(Error::Closed));
            }
            let Some(state) = lp.remove_handle(self.0) else { return };
            let Ok(mut st) = state.downcast::<State>() else { return };
            if let Some(mut h) = st.handler.take() {
                h.on_close(lp, self);
            }
        });
    }

    /// Whether the socket is open.
    pub fn is_open(self, lp: &EventLoop) -> bool {
        state(lp, self).is_some_and(|st| st.sock.is_some())
    }

    /// The bound address, with the real port after port 0 (`socket.address()`).
    pub fn local_address(self, lp: &EventLoop) -> Option<SocketAddr> {
        state(lp, self)?.sock.as_ref()?.local_addr().ok()
    }

    /// The connected peer (`socket.remoteAddress()`).
    pub fn remote_address(self, lp: &EventLoop) -> Option<SocketAddr> {
        state(lp, self)?.connected
    }

    /// Datagrams queued for the kernel (`socket.getSendQueueCount`).
    pub fn send_queue_count(self, lp: &EventLoop) -> usize {
        state(lp, self).map_or(0, |st| st.outbox.items.len())
    }

    /// Allows sending to broadcast addresses (`socket.setBroadcast`); without it such sends fail
    /// with `EACCES`.
    pub fn set_broadcast(self, lp: &mut EventLoop, on: bool) -> Result<(), Error> {
        sock_ref(lp, self, |s| s.set_broadcast(on))
    }

    /// The unicast TTL / hop limit (`socket.setTTL`).
    pub fn set_ttl(self, lp: &mut EventLoop, ttl: u32) -> Result<(), Error> {
        let v6 = is_v6(lp, self);
        sock_ref(lp, self, |s| if v6 { s.set_unicast_hops_v6(ttl) } else { s.set_ttl(ttl) })
    }

    /// The multicast TTL / hop limit (`socket.setMulticastTTL`).
    pub fn set_multicast_ttl(self, lp: &mut EventLoop, ttl: u32) -> Result<(), Error> {
        let v6 = is_v6(lp, self);
        sock_ref(lp, self, |s| if v6 { s.set_multicast_hops_v6(ttl) } else { s.set_multicast_ttl_v4(ttl) })
    }

    /// Whether our own multicast datagrams loop back to us (`socket.setMulticastLoopback`).
    pub fn set_multicast_loopback(self, lp: &mut EventLoop, on: bool) -> Result<(), Error> {
        let v6 = is_v6(lp, self);
        sock_ref(lp, self, |s| if v6 { s.set_multicast_loop_v6(on) } else { s.set_multicast_loop_v4(on) })
    }

    /// The interface multicast datagrams leave by, for IPv4 (`socket.setMulticastInterface`).
    pub fn set_multicast_interface_v4(self, lp: &mut EventLoop, interface: Ipv4Addr) -> Result<(), Error> {
        sock_ref(lp, self, |s| s.set_multicast_if_v4(&interface))
    }

    /// The interface multicast datagrams leave by, for IPv6, by interface index.
    pub fn set_multicast_interface_v6(self, lp: &mut EventLoop, index: u32) -> Result<(), Error> {
        sock_ref(lp, self, |s| s.set_multicast_if_v6(index))
    }

    /// Joins a multicast group on an interface (IPv4: its address, `None` for any; IPv6: ignored,
    /// the default interface) (`socket.addMembership`).
    pub fn add_membership(
        self,
        lp: &mut EventLoop,
        group: IpAddr,
        interface: Option<Ipv4Addr>,
    ) -> Result<(), Error> {
        sock_ref(lp, self, |s| match group {
            IpAddr::V4(g) => s.join_multicast_v4(&g, &interface.unwrap_or(Ipv4Addr::UNSPECIFIED)),
            IpAddr::V6(g) => s.join_multicast_v6(&g, 0),
        })
    }

    /// Leaves a multicast group (`socket.dropMembership`).
    pub fn drop_membership(
        self,
        lp: &mut EventLoop,
        group: IpAddr,
        interface: Option<Ipv4Addr>,
    ) -> Result<(), Error> {
        sock_ref(lp, self, |s| match group {
            IpAddr::V4(g) => s.leave_multicast_v4(&g, &interface.unwrap_or(Ipv4Addr::UNSPECIFIED)),
            IpAddr::V6(g) => s.leave_multicast_v6(&g, 0),
        })
    }

    /// Joins a source-specific IPv4 group: only `source`'s datagrams to `group`
    /// (`socket.addSourceSpecificMembership`).
    pub fn add_source_specific_membership(
        self,
        lp: &mut EventLoop,
        source: Ipv4Addr,
        group: Ipv4Addr,
        interface: Option<Ipv4Addr>,
    ) -> Result<(), Error> {
        sock_ref(lp, self, |s| s.join_ssm_v4(&source, &group, &interface.unwrap_or(Ipv4Addr::UNSPECIFIED)))
    }

    /// Leaves a source-specific IPv4 group (`socket.dropSourceSpecificMembership`).
    pub fn drop_source_specific_membership(
        self,
        lp: &mut EventLoop,
        source: Ipv4Addr,
        group: Ipv4Addr,
        interface: Option<Ipv4Addr>,
    ) -> Result<(), Error> {
        sock_ref(lp, self, |s| s.leave_ssm_v4(&source, &group, &interface.unwrap_or(Ipv4Addr::UNSPECIFIED)))
    }

    /// `SO_RCVBUF` (`socket.setRecvBufferSize`).
    pub fn set_recv_buffer_size(self, lp: &mut EventLoop, bytes: usize) -> Result<(), Error> {
        sock_ref(lp, self, |s| s.set_recv_buffer_size(bytes))
    }

    /// `SO_SNDBUF` (`socket.setSendBufferSize`).
    pub fn set_send_buffer_size(self, lp: &mut EventLoop, bytes: usize) -> Result<(), Error> {
        sock_ref(lp, self, |s| s.set_send_buffer_size(bytes))
    }

    /// `SO_RCVBUF` as the kernel reports it (`socket.getRecvBufferSize`; Linux doubles the
    /// requested size for its bookkeeping).
    pub fn recv_buffer_size(self, lp: &EventLoop) -> Result<usize, Error> {
        sock_ref(lp, self, |s| s.recv_buffer_size())
    }

    /// `SO_SNDBUF` as the kernel reports it (`socket.getSendBufferSize`).
    pub fn send_buffer_size(self, lp: &EventLoop) -> Result<usize, Error> {
        sock_ref(lp, self, |s| s.send_buffer_size())
    }

    /// Stops the socket from keeping the loop alive (`socket.unref()`).
    pub fn unref(self, lp: &mut EventLoop) {
        lp.unref_handle(self.0)
    }

    /// Makes the socket keep the loop alive again (`socket.ref()`).
    pub fn ref_(self, lp: &mut EventLoop) {
        lp.ref_handle(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv6Addr;

    #[test]
    fn destinations_are_checked_and_mapped() {
        let v4: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let v6: SocketAddr = "[::1]:9".parse().unwrap();
        assert_eq!(destination(false, v4).unwrap(), v4);
        assert_eq!(destination(true, v4).unwrap(), "[::ffff:127.0.0.1]:9".parse::<SocketAddr>().unwrap());
        assert!(matches!(destination(false, v6), Err(Error::InvalidAddress { .. })));
        assert!(matches!(
            destination(false, "127.0.0.1:0".parse().unwrap()),
            Err(Error::InvalidAddress { .. })
        ));
        let mapped: SocketAddr = SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), 9);
        assert_eq!(destination(true, mapped).unwrap(), mapped);
    }
}
