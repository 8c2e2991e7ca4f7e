//! Sockets (Node's `net.Socket`): the connection state kept in the loop, its handler, and the
//! machinery that moves bytes between the two with Node's events.

use std::io;
use std::time::{Duration, Instant};

use netcore::stream::{self, Readable, StreamHandle, Writable};
use netcore::{EventLoop, HandleId, Ready, TimerId};

use crate::connect::Connecting;
use crate::layer::{Layer, LayerFactory, LayerStatus};
use crate::server::{self, ServerId};
use crate::splice::Splice;
use crate::stream::{Address, Stream};
use crate::Error;

/// Node's default high-water mark for a socket's write queue, in bytes (64 KiB).
pub const DEFAULT_HIGH_WATER_MARK: usize = 64 * 1024;

/// Reads served per readiness event before the socket yields to others (fairness).
const READS_PER_EVENT: usize = 16;

/// Settings for one socket. Servers apply theirs to every accepted socket.
///
/// ```
/// use std::time::Duration;
/// use netcore_tcp::{connect_with, SocketOptions};
///
/// let mut options = SocketOptions::default();
/// assert_eq!(options.high_water_mark, netcore_tcp::DEFAULT_HIGH_WATER_MARK);
/// options.no_delay = true; // `socket.setNoDelay(true)` from the start
/// options.timeout = Some(Duration::from_secs(30)); // `timeout` after 30 s idle
/// options.allow_half_open = true; // keep writing after the peer's FIN
/// let mut lp = netcore::EventLoop::new()?;
/// # let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
/// # let addr = listener.local_addr()?.to_string();
/// let socket = connect_with(&mut lp, &addr, options, ());
/// socket.destroy(&mut lp);
/// lp.run()?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SocketOptions {
    /// `write` returns false once this many bytes are queued (default [`DEFAULT_HIGH_WATER_MARK`]).
    pub high_water_mark: usize,
    /// Keep the writing side open after the peer ends (default false: end ours too, as Node).
    pub allow_half_open: bool,
    /// Disable Nagle's algorithm (default false, as Node's `net`).
    pub no_delay: bool,
    /// TCP keep-alive probes after this much idle time (default off).
    pub keep_alive: Option<Duration>,
    /// Idle timeout: emit `timeout` after this long without activity (default none).
    pub timeout: Option<Duration>,
    /// Happy Eyeballs "connection attempt delay" between staggered attempts (default 250 ms,
    /// RFC 8305 §5).
    pub connect_attempt_delay: Duration,
    /// A layer between the wire and the handler, made for each socket: TLS (`netcore_tls` builds
    /// the factories). Default none: the handler sees the wire's bytes.
    pub layer: Option<LayerFactory>,
}

impl Default for SocketOptions {
    fn default() -> Self {
        Self {
            high_water_mark: DEFAULT_HIGH_WATER_MARK,
            allow_half_open: false,
            no_delay: false,
            keep_alive: None,
            timeout: None,
            connect_attempt_delay: Duration::from_millis(250),
            layer: None,
        }
    }
}

/// What a socket's owner does on each of its events (Node's `net.Socket` events).
///
/// The handler owns the connection's state; every method gets a [`Socket`] to act through, which
/// also reaches the loop (timers, other sockets, the thread pool). All methods have empty defaults.
///
/// ```
/// use netcore::EventLoop;
/// use netcore_tcp::{connect, listen, Socket, SocketHandler, SocketId};
///
/// /// Sends a line, prints what comes back, and ends; the server closes after it.
/// struct Client { got: Vec<u8> }
/// impl SocketHandler for Client {
///     fn on_connect(&mut self, s: &mut Socket<'_>) {
///         s.end_with(b"ping\n"); // write, then half-close (FIN)
///     }
///     fn on_data(&mut self, _s: &mut Socket<'_>, data: &[u8]) {
///         self.got.extend_from_slice(data);
///     }
///     fn on_end(&mut self, _s: &mut Socket<'_>) {
///         assert_eq!(self.got, b"ping\n"); // the echo came back, then the server's FIN
///     }
///     fn on_close(&mut self, lp: &mut EventLoop, _id: SocketId, had_error: bool) {
///         assert!(!had_error);
///         if let Some(server) = lp.state::<netcore_tcp::ServerId>().copied() {
///             server.close(lp);
///         }
///     }
/// }
///
/// let mut lp = EventLoop::new()?;
/// let server = listen(&mut lp, "127.0.0.1:0", |s: &mut Socket<'_>| s.pipe(s.id()))?;
/// lp.set_state(server);
/// let addr = server.address(&lp).unwrap().to_string();
/// connect(&mut lp, &addr, Client { got: Vec::new() });
/// lp.run()?;
/// # Ok::<(), netcore_tcp::Error>(())
/// ```
pub trait SocketHandler: 'static {
    /// A client socket connected (`connect`).
    fn on_connect(&mut self, socket: &mut Socket<'_>) {
        let _ = socket;
    }
    /// Bytes arrived (`data`). The slice borrows the loop's shared read buffer.
    fn on_data(&mut self, socket: &mut Socket<'_>, data: &[u8]) {
        let _ = (socket, data);
    }
    /// The peer ended its side (`end`). Unless `allow_half_open`, ours ends after this returns.
    fn on_end(&mut self, socket: &mut Socket<'_>) {
        let _ = socket;
    }
    /// The write queue emptied after `write` had returned false (`drain`).
    fn on_drain(&mut self, socket: &mut Socket<'_>) {
        let _ = socket;
    }
    /// The socket's [layer](crate::Layer) completed its handshake: Node's `secureConnect` on a TLS
    /// client, `secure` on a server's socket. Plain sockets never emit it.
    fn on_secure(&mut self, socket: &mut Socket<'_>) {
        let _ = socket;
    }
    /// The socket was idle for its timeout (`timeout`). It stays open: end or destroy it here.
    fn on_timeout(&mut self, socket: &mut Socket<'_>) {
        let _ = socket;
    }
    /// Something failed (`error`); `close` follows with `had_error` true.
    fn on_error(&mut self, socket: &mut Socket<'_>, error: &Error) {
        let _ = (socket, error);
    }
    /// The socket is fully closed (`close`); the handler is dropped after this.
    fn on_close(&mut self, lp: &mut EventLoop, id: SocketId, had_error: bool) {
        let _ = (lp, id, had_error);
    }
}

impl SocketHandler for () {}

impl SocketHandler for Box<dyn SocketHandler> {
    fn on_connect(&mut self, s: &mut Socket<'_>) {
        (**self).on_connect(s)
    }
    fn on_data(&mut self, s: &mut Socket<'_>, data: &[u8]) {
        (**self).on_data(s, data)
    }
    fn on_end(&mut self, s: &mut Socket<'_>) {
        (**self).on_end(s)
    }
    fn on_drain(&mut self, s: &mut Socket<'_>) {
        (**self).on_drain(s)
    }
    fn on_secure(&mut self, s: &mut Socket<'_>) {
        (**self).on_secure(s)
    }
    fn on_timeout(&mut self, s: &mut Socket<'_>) {
        (**self).on_timeout(s)
    }
    fn on_error(&mut self, s: &mut Socket<'_>, e: &Error) {
        (**self).on_error(s, e)
    }
    fn on_close(&mut self, lp: &mut EventLoop, id: SocketId, had_error: bool) {
        (**self).on_close(lp, id, had_error)
    }
}

/// A handler made of one closure for `data`: `tcp::on_data(|s, d| { s.write(d); })`.
///
/// ```
/// use netcore_tcp::{connect, listen, on_data, ServerId, Socket};
///
/// let mut lp = netcore::EventLoop::new()?;
/// // The echo server, one closure per connection.
/// let server = listen(&mut lp, "127.0.0.1:0", |_: &mut Socket<'_>| on_data(|s, d| {
///     s.write(d);
/// }))?;
/// lp.set_state(server);
/// let addr = server.address(&lp).unwrap().to_string();
/// // The client, one closure too: it checks the echo, then everything closes.
/// let client = connect(&mut lp, &addr, on_data(|s, d| {
///     assert_eq!(d, b"ping");
///     s.end();
///     let server = *s.lp().state::<ServerId>().unwrap();
///     server.close(s.lp());
/// }));
/// client.write(&mut lp, b"ping");
/// lp.run()?;
/// # Ok::<(), netcore_tcp::Error>(())
/// ```
pub fn on_data<F>(f: F) -> OnData<F>
where
    F: FnMut(&mut Socket<'_>, &[u8]) + 'static,
{
    OnData(f)
}

/// The handler [`on_data`] makes: its closure gets every `data` event; the other events keep
/// their defaults (`end` ends the socket's side too, as Node's `allowHalfOpen: false`).
///
/// ```
/// use netcore_tcp::{on_data, OnData, Socket};
/// // Its type names the closure: a server's connection handler can be written out.
/// fn echo() -> OnData<impl FnMut(&mut Socket<'_>, &[u8])> {
///     on_data(|s, d| {
///         s.write(d);
///     })
/// }
/// let mut lp = netcore::EventLoop::new()?;
/// let server = netcore_tcp::listen(&mut lp, "127.0.0.1:0", |_: &mut Socket<'_>| echo())?;
/// server.close(&mut lp);
/// lp.run()?;
/// # Ok::<(), netcore_tcp::Error>(())
/// ```
#[derive(Debug)]
pub struct OnData<F>(F);

impl<F> SocketHandler for OnData<F>
where
    F: FnMut(&mut Socket<'_>, &[u8]) + 'static,
{
    fn on_data(&mut self, socket: &mut Socket<'_>, data: &[u8]) {
        (self.0)(socket, data)
    }
}

/// Names a socket on its loop. `Copy`: keep it anywhere to reach the socket later (a chat room's
/// member list); operations on a closed socket are harmless no-ops.
///
/// ```
/// use std::time::Duration;
/// use netcore_tcp::{listen, on_data, Socket, SocketId};
///
/// let mut lp = netcore::EventLoop::new()?;
/// let server = listen(&mut lp, "127.0.0.1:0", |s: &mut Socket<'_>| {
///     // Keep the id: a timer writes to this socket later, through the loop.
///     let id: SocketId = s.id();
///     s.lp().set_timeout(Duration::from_millis(1), move |lp| {
///         id.end_with(lp, b"later\n");
///     });
///     on_data(|_s: &mut Socket<'_>, _d: &[u8]| {})
/// })?;
/// let addr = server.address(&lp).unwrap().to_string();
/// netcore_tcp::connect(&mut lp, &addr, on_data(|s: &mut Socket<'_>, d: &[u8]| {
///     assert_eq!(d, b"later\n");
///     let server = s.lp().state::<netcore_tcp::ServerId>().copied();
///     server.map(|server| server.close(s.lp()));
/// }));
/// lp.set_state(server);
/// lp.run()?;
/// # Ok::<(), netcore_tcp::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SocketId(pub(crate) HandleId);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Connecting,
    Open,
    Closed,
}

/// A socket's state, kept in the loop's slab. No read buffer: reads land in the loop's.
pub(crate) struct Conn {
    pub(crate) stream: Option<Stream>,
    pub(crate) handler: Option<Box<dyn SocketHandler>>,
    pub(crate) phase: Phase,
    out: Vec<u8>,
    out_pos: usize,
    pub(crate) options: Box<SocketOptions>,
    paused: bool,
    /// The OS reported the peer's FIN (its edge may have been consumed while paused or before a
    /// requeue); reads go on to the end instead of waiting for another edge after a short read.
    peer_closed: bool,
    read_ended: bool,
    end_requested: bool,
    shutdown_done: bool,
    need_drain: bool,
    had_error: bool,
    timer: Option<TimerId>,
    last_active: Instant,
    pub(crate) bytes_read: u64,
    pub(crate) bytes_written: u64,
    pub(crate) server: Option<(ServerId, usize)>,
    pub(crate) connecting: Option<Box<Connecting>>,
    pub(crate) splice: Option<Box<Splice>>,
    pub(crate) spliced_from: Option<SocketId>,
    pub(crate) layer: Option<Box<dyn Layer>>,
    /// The layer's closing message (close_notify) is queued.
    layer_closed: bool,
    /// Fires if the layer's handshake has not completed in time.
    layer_timer: Option<TimerId>,
}

impl Conn {
    pub(crate) fn new(
        stream: Option<Stream>,
        handler: Box<dyn SocketHandler>,
        options: SocketOptions,
        now: Instant,
    ) -> Conn {
        Conn {
            phase: if stream.is_some() { Phase::Open } else { Phase::Connecting },
            stream,
            handler: Some(handler),
            out: Vec::new(),
            out_pos: 0,
            options: Box::new(options),
            paused: false,
            peer_closed: false,
            read_ended: false,
            end_requested: false,
            shutdown_done: false,
            need_drain: false,
            had_error: false,
            timer: None,
            last_active: now,
            bytes_read: 0,
            bytes_written: 0,
            server: None,
            connecting: None,
            splice: None,
            spliced_from: None,
            layer: None,
            layer_closed: false,
            layer_timer: None,
        }
    }

    pub(crate) fn queued(&self) -> usize {
        self.out.len() - self.out_pos + self.layer.as_ref().map_or(0, |l| l.held())
    }

    /// Writes the queue to the stream until it is empty or the kernel's buffer is full;
    /// returns whether anything was written.
    fn send_queue(&mut self) -> io::Result<bool> {
        let Some(stream) = self.stream.as_mut() else { return Ok(false) };
        let mut wrote = false;
        while self.out_pos < self.out.len() {
            match stream.write(&self.out[self.out_pos..]) {
                Ok(n) => {
                    self.out_pos += n;
                    self.bytes_written += n as u64;
                    wrote = true;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(wrote)
    }

    pub(crate) fn paused_or_ended(&self) -> bool {
        self.paused || self.read_ended || self.phase != Phase::Open
    }
}

pub(crate) fn conn(lp: &EventLoop, id: SocketId) -> Option<&Conn> {
    lp.handle::<Conn>(id.0)
}

pub(crate) fn conn_mut(lp: &mut EventLoop, id: SocketId) -> Option<&mut Conn> {
    lp.handle_mut::<Conn>(id.0)
}

/// Inserts a socket into the loop; `stream`, if given, is registered at once.
pub(crate) fn insert(
    lp: &mut EventLoop,
    stream: Option<Stream>,
    handler: Box<dyn SocketHandler>,
    options: SocketOptions,
) -> io::Result<SocketId> {
    let now = lp.now();
    let timeout = options.timeout;
    let id = SocketId(lp.insert_handle(Conn::new(None, handler, options, now), on_ready));
    if let Some(stream) = stream {
        if let Err(e) = install_stream(lp, id, stream) {
            lp.remove_handle(id.0);
            return Err(e);
        }
    }
    if let Some(t) = timeout {
        id.set_timeout(lp, t);
    }
    Ok(id)
}

/// Registers a connected stream under the socket's token and applies the socket options.
pub(crate) fn install_stream(lp: &mut EventLoop, id: SocketId, mut stream: Stream) -> io::Result<()> {
    let Some((c, registry)) = lp.handle_and_registry::<Conn>(id.0) else {
        return Err(io::Error::from(io::ErrorKind::NotConnected));
    };
    stream.register(registry, id.0.token())?;
    if let Some(tcp) = stream.tcp() {
        if c.options.no_delay {
            let _ = tcp.set_nodelay(true);
        }
        if let Some(idle) = c.options.keep_alive {
            let _ = apply_keep_alive(tcp, idle, None, None);
        }
    }
    c.stream = Some(stream);
    c.phase = Phase::Open;
    Ok(())
}

fn apply_keep_alive(
    tcp: &mio::net::TcpStream,
    idle: Duration,
    interval: Option<Duration>,
    retries: Option<u32>,
) -> io::Result<()> {
    let sock = socket2::SockRef::from(tcp);
    let mut ka = socket2::TcpKeepalive::new().with_time(idle);
    if let Some(i) = interval {
        ka = ka.with_interval(i);
    }
    if let Some(r) = retries {
        ka = ka.with_retries(r);
    }
    sock.set_tcp_keepalive(&ka)
}

/// Runs `f` with the socket's handler and a [`Socket`] context. If the handler is out already
/// (we are inside one of its callbacks), `f` runs on the next tick instead, as Node emits
/// events asynchronously.
pub(crate) fn with_handler(
    lp: &mut EventLoop,
    id: SocketId,
    f: impl FnOnce(&mut dyn SocketHandler, &mut Socket<'_>) + 'static,
) {
    let Some(c) = conn_mut(lp, id) else { return };
    let Some(mut h) = c.handler.take() else {
        lp.next_tick(move |lp| with_handler(lp, id, f));
        return;
    };
    f(&mut *h, &mut Socket { lp, id });
    if let Some(c) = conn_mut(lp, id) {
        if c.handler.is_none() {
            c.handler = Some(h);
        }
    }
}

/// Readiness for a socket's token.
fn on_ready(lp: &mut EventLoop, hid: HandleId, ready: Ready) {
    let id = SocketId(hid);
    match conn(lp, id).map(|c| c.phase) {
        Some(Phase::Open) => {}
        _ => return,
    }
    if ready.is_read_closed() {
        if let Some(c) = conn_mut(lp, id) {
            c.peer_closed = true;
        }
    }
    if ready.is_writable() {
        flush(lp, id);
    }
    if ready.is_readable() {
        read(lp, id);
    }
}

fn touch(lp: &mut EventLoop, id: SocketId) {
    let now = lp.now();
    let Some(c) = conn_mut(lp, id) else { return };
    c.last_active = now;
    if c.timer.is_none() {
        if let Some(t) = c.options.timeout {
            arm_timeout(lp, id, t);
        }
    }
}

fn arm_timeout(lp: &mut EventLoop, id: SocketId, after: Duration) {
    let timer = lp.set_timeout(after, move |lp| idle_check(lp, id));
    lp.unref_timer(timer);
    if let Some(c) = conn_mut(lp, id) {
        c.timer = Some(timer);
    }
}

fn idle_check(lp: &mut EventLoop, id: SocketId) {
    let now = lp.now();
    let Some(c) = conn_mut(lp, id) else { return };
    c.timer = None;
    let Some(t) = c.options.timeout else { return };
    if c.phase == Phase::Closed {
        return;
    }
    let idle = now.saturating_duration_since(c.last_active);
    if idle >= t {
        // Fires once per idle period: activity re-arms it (Node's socket timeout).
        with_handler(lp, id, |h, s| h.on_timeout(s));
    } else {
        arm_timeout(lp, id, t - idle);
    }
}

fn read(lp: &mut EventLoop, id: SocketId) {
    if conn(lp, id).is_some_and(|c| c.splice.is_some()) {
        crate::splice::read(lp, id);
        return;
    }
    // Remembered, not taken from this readiness report: a requeue or `resume` reports only
    // READABLE, and the FIN's edge will not come again.
    let read_closed = conn(lp, id).is_some_and(|c| c.peer_closed);
    for _ in 0..READS_PER_EVENT {
        let mut buf = lp.take_read_buffer();
        let result = match conn_mut(lp, id) {
            Some(c) if !c.paused_or_ended() => match c.stream.as_mut() {
                Some(stream) => stream.read(&mut buf),
                None => Err(io::ErrorKind::WouldBlock.into()),
            },
            _ => Err(io::ErrorKind::WouldBlock.into()),
        };
        match result {
            Ok(0) => {
                lp.restore_read_buffer(buf);
                handle_eof(lp, id);
                return;
            }
            Ok(n) => {
                if let Some(c) = conn_mut(lp, id) {
                    c.bytes_read += n as u64;
                }
                touch(lp, id);
                receive(lp, id, &buf[..n]);
                let full = n == buf.len();
                lp.restore_read_buffer(buf);
                // A short read emptied the kernel's queue: the next byte brings a new edge.
                if !full && !read_closed {
                    return;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                lp.restore_read_buffer(buf);
                return;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => lp.restore_read_buffer(buf),
            Err(e) => {
                lp.restore_read_buffer(buf);
                let peer = conn(lp, id).and_then(|c| c.stream.as_ref()?.peer_addr().ok());
                let addr = peer.map(|a| a.to_string()).unwrap_or_default();
                fail(lp, id, Error::from_io(e, addr));
                return;
            }
        }
    }
    // Still readable after our share of reads: come back after the others had theirs.
    lp.requeue(id.0, Ready::READABLE);
}

/// The loop's buffer for plaintext a layer decodes, reused by every socket of the loop.
#[derive(Default)]
struct PlainScratch(Vec<u8>);

/// Bytes read from the wire: to the handler, or through the layer first.
fn receive(lp: &mut EventLoop, id: SocketId, data: &[u8]) {
    if conn(lp, id).is_some_and(|c| c.layer.is_none()) {
        deliver(lp, id, data);
        return;
    }
    let mut plain = std::mem::take(&mut lp.state_or_default::<PlainScratch>().0);
    let result = match conn_mut(lp, id) {
        Some(Conn { layer: Some(layer), out, .. }) => layer.read_wire(data, &mut plain, out),
        _ => Ok(LayerStatus::default()),
    };
    let status = match result {
        Ok(status) => status,
        Err(e) => {
            // The alert that goes with the error, then the error.
            flush(lp, id);
            fail(lp, id, e);
            plain.clear();
            lp.state_or_default::<PlainScratch>().0 = plain;
            return;
        }
    };
    // Handshake replies wait in the queue for what the handler writes in answer to this read, so
    // both leave in one send: a server's session tickets and its first response, say. Plaintext
    // held during the handshake goes out with its end; the `drain` it owes comes after `secure`,
    // as Node emits `secureConnect` first.
    let owed_drain = status.secured && conn_mut(lp, id).is_some_and(|c| std::mem::take(&mut c.need_drain));
    let open = |lp: &EventLoop| conn(lp, id).is_some_and(|c| c.phase == Phase::Open);
    if status.secured && open(lp) {
        if let Some(t) = conn_mut(lp, id).and_then(|c| c.layer_timer.take()) {
            lp.clear_timer(t);
        }
        with_handler(lp, id, |h, s| h.on_secure(s));
    }
    if !plain.is_empty() && open(lp) {
        deliver(lp, id, &plain);
    }
    if let Some(c) = conn_mut(lp, id).filter(|_| owed_drain) {
        c.need_drain = true;
    }
    flush(lp, id);
    if status.secured {
        // Plaintext held back during the handshake is on its way: an `end` may be due.
        finish_end(lp, id);
    }
    if status.peer_closed && open(lp) {
        emit_end(lp, id);
    }
    plain.clear();
    lp.state_or_default::<PlainScratch>().0 = plain;
}

/// Installs `layer` on socket `id` and starts it if the socket is connected (else once it
/// connects). `head` holds wire bytes already read for the layer (STARTTLS).
pub(crate) fn set_layer(lp: &mut EventLoop, id: SocketId, layer: Box<dyn Layer>, head: &[u8]) {
    if let Some(c) = conn_mut(lp, id) {
        if c.phase == Phase::Closed {
            return;
        }
        c.layer = Some(layer);
        c.layer_closed = false;
        if c.phase == Phase::Open {
            crate::splice::detach(lp, id);
            start_layer(lp, id);
            if !head.is_empty() {
                receive(lp, id, head);
            }
        }
    }
}

/// A connected socket's layer sends its opening flight (a TLS client's ClientHello).
pub(crate) fn start_layer(lp: &mut EventLoop, id: SocketId) {
    let (result, timeout) = match conn_mut(lp, id) {
        Some(Conn { layer: Some(layer), out, .. }) => (layer.start(out), layer.handshake_timeout()),
        _ => return,
    };
    if let Some(after) = timeout {
        let timer = lp.set_timeout(after, move |lp| handshake_timed_out(lp, id));
        lp.unref_timer(timer);
        if let Some(old) = conn_mut(lp, id).and_then(|c| c.layer_timer.replace(timer)) {
            lp.clear_timer(old);
        }
    }
    match result {
        Ok(()) => flush(lp, id),
        Err(e) => fail(lp, id, e),
    }
}

fn handshake_timed_out(lp: &mut EventLoop, id: SocketId) {
    let Some(c) = conn_mut(lp, id) else { return };
    c.layer_timer = None;
    let Some(layer) = c.layer.as_mut().filter(|l| !l.is_secure()) else { return };
    let err = layer.timed_out();
    fail(lp, id, err);
}

fn deliver(lp: &mut EventLoop, id: SocketId, data: &[u8]) {
    if stream::emit_data(lp, id.0, data) {
        return;
    }
    let Some(c) = conn_mut(lp, id) else { return };
    let Some(mut h) = c.handler.take() else { return };
    h.on_data(&mut Socket { lp, id }, data);
    if let Some(c) = conn_mut(lp, id) {
        if c.handler.is_none() {
            c.handler = Some(h);
        }
    }
}

/// The wire ended (FIN). A layer that did not see its peer close first reports a truncation.
pub(crate) fn handle_eof(lp: &mut EventLoop, id: SocketId) {
    let Some(c) = conn_mut(lp, id) else { return };
    if c.read_ended {
        return;
    }
    if let Some(Err(e)) = c.layer.as_mut().map(|l| l.read_eof()) {
        fail(lp, id, e);
        return;
    }
    emit_end(lp, id);
}

/// The readable side ended (`end`): a FIN, or the layer's close.
fn emit_end(lp: &mut EventLoop, id: SocketId) {
    let Some(c) = conn_mut(lp, id) else { return };
    if c.read_ended {
        return;
    }
    c.read_ended = true;
    stream::emit_end(lp, id.0);
    with_handler(lp, id, |h, s| h.on_end(s));
    let Some(c) = conn_mut(lp, id) else { return };
    if c.phase == Phase::Closed {
        return;
    }
    if c.shutdown_done {
        destroy(lp, id, None);
    } else if !c.options.allow_half_open {
        end(lp, id);
    }
}

/// Writes queued bytes; emits `drain` and finishes a pending `end` when the queue empties.
pub(crate) fn flush(lp: &mut EventLoop, id: SocketId) {
    let Some(c) = conn_mut(lp, id) else { return };
    if c.phase != Phase::Open {
        return;
    }
    // Linux reports writable with nearly every readable event: with nothing queued, no drain
    // owed, no FIN waiting and no splice feeding us, there is nothing to do.
    let pending_end = c.end_requested && !c.shutdown_done;
    if c.queued() == 0 && !c.need_drain && !pending_end && c.spliced_from.is_none() {
        return;
    }
    if c.stream.is_none() {
        return;
    }
    let wrote = match c.send_queue() {
        Ok(wrote) => wrote,
        Err(e) => return fail(lp, id, Error::from_io(e, "")),
    };
    if c.out_pos < c.out.len() {
        if c.out_pos > c.out.len() / 2 {
            c.out.drain(..c.out_pos);
            c.out_pos = 0;
        }
        if wrote {
            touch(lp, id);
        }
        return;
    }
    // Drained: give the memory back so an idle socket holds no buffer.
    c.out = Vec::new();
    c.out_pos = 0;
    if c.queued() > 0 {
        // Plaintext the layer holds until its handshake completes: not drained yet.
        return;
    }
    let splice_src = c.spliced_from;
    let need_drain = std::mem::take(&mut c.need_drain);
    if wrote {
        touch(lp, id);
    }
    // A spliced source stops reading only while the pipe holds bytes for us: move them on.
    if let Some(src) = splice_src.filter(|src| crate::splice::has_pending(lp, *src)) {
        crate::splice::resume_from_dst(lp, src);
    }
    if need_drain {
        stream::emit_drain(lp, id.0);
        with_handler(lp, id, |h, s| h.on_drain(s));
    }
    finish_end(lp, id);
}

/// Sends FIN once `end` was asked for and nothing is queued.
fn finish_end(lp: &mut EventLoop, id: SocketId) {
    let Some(c) = conn_mut(lp, id) else { return };
    if !c.end_requested || c.shutdown_done || c.phase != Phase::Open {
        return;
    }
    // The layer closes (close_notify) after the plaintext it holds, before the FIN.
    if let Some(layer) = c.layer.as_mut() {
        if layer.held() == 0 && !c.layer_closed {
            c.layer_closed = true;
            layer.close(&mut c.out);
            flush(lp, id);
            return;
        }
    }
    let Some(c) = conn_mut(lp, id) else { return };
    if c.queued() > 0 {
        return;
    }
    if c.spliced_from.is_some_and(|src| crate::splice::has_pending(lp, src)) {
        return;
    }
    let Some(c) = conn_mut(lp, id) else { return };
    c.shutdown_done = true;
    let read_ended = c.read_ended;
    if let Some(s) = c.stream.as_ref() {
        let _ = s.shutdown_write();
    }
    if read_ended {
        destroy(lp, id, None);
    }
}

pub(crate) fn write(lp: &mut EventLoop, id: SocketId, data: &[u8]) -> bool {
    write_parts(lp, id, &[data])
}

/// `write` of `parts` in order, as one write: while nothing is queued, one `writev` hands them
/// all to the kernel (a frame header and its payload, say, without first copying them
/// together); what the kernel does not take is queued.
pub(crate) fn write_parts(lp: &mut EventLoop, id: SocketId, parts: &[&[u8]]) -> bool {
    let Some(c) = conn_mut(lp, id) else { return false };
    if c.end_requested || c.phase == Phase::Closed {
        let closed = c.phase == Phase::Closed;
        if !closed {
            lp.next_tick(move |lp| fail(lp, id, Error::WriteAfterEnd));
        }
        return false;
    }
    if c.layer.is_some() {
        let mut below = true;
        for part in parts.iter().filter(|p| !p.is_empty()) {
            below = write_through_layer(lp, id, part);
        }
        return below;
    }
    let total: usize = parts.iter().map(|p| p.len()).sum();
    // Bytes of `parts`, in order, that the kernel took.
    let mut off = 0;
    let direct = c.queued() == 0 && c.phase == Phase::Open && c.spliced_from.is_none();
    if direct {
        if let Some(stream) = c.stream.as_mut() {
            while off < total {
                let mut slices = [io::IoSlice::new(&[]); MAX_PARTS];
                let result = match io_slices_from(parts, off, &mut slices) {
                    [one] => stream.write(one),
                    some => stream.write_vectored(some),
                };
                match result {
                    Ok(n) => {
                        off += n;
                        c.bytes_written += n as u64;
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        let err = Error::from_io(e, "");
                        lp.next_tick(move |lp| fail(lp, id, err));
                        return false;
                    }
                }
            }
        }
    }
    let Some(c) = conn_mut(lp, id) else { return false };
    if off < total {
        let mut skip = off;
        for part in parts {
            let taken = skip.min(part.len());
            skip -= taken;
            c.out.extend_from_slice(&part[taken..]);
        }
    }
    let ok = c.queued() < c.options.high_water_mark;
    if !ok {
        c.need_drain = true;
    }
    if off > 0 {
        touch(lp, id);
    }
    ok
}

/// The most buffers one `writev` is given (the rest follow in the next call).
const MAX_PARTS: usize = 8;

/// The non-empty parts from byte `off` on (counted across parts), as `writev` slices in
/// `slices` (no allocation): at most [`MAX_PARTS`] of them.
fn io_slices_from<'s, 'a>(
    parts: &[&'a [u8]],
    mut off: usize,
    slices: &'s mut [io::IoSlice<'a>; MAX_PARTS],
) -> &'s [io::IoSlice<'a>] {
    let mut n = 0;
    for part in parts {
        if off >= part.len() {
            off -= part.len();
            continue;
        }
        slices[n] = io::IoSlice::new(&part[off..]);
        off = 0;
        n += 1;
        if n == MAX_PARTS {
            break;
        }
    }
    &slices[..n]
}

/// Largest write buffer an idle layered socket keeps for its next write (a few TLS records).
const KEEP_OUT_CAPACITY: usize = 32 * 1024;

/// `write` on a socket with a layer: encode into the queue, then send what the kernel takes.
fn write_through_layer(lp: &mut EventLoop, id: SocketId, data: &[u8]) -> bool {
    let Some(c) = conn_mut(lp, id) else { return false };
    let Some(layer) = c.layer.as_mut() else { return false };
    if let Err(e) = layer.write_plain(data, &mut c.out) {
        lp.next_tick(move |lp| fail(lp, id, e));
        return false;
    }
    let mut wrote = false;
    if c.phase == Phase::Open && c.stream.is_some() {
        wrote = match c.send_queue() {
            Ok(wrote) => wrote,
            Err(e) => {
                let err = Error::from_io(e, "");
                lp.next_tick(move |lp| fail(lp, id, err));
                return false;
            }
        };
        if c.out_pos == c.out.len() {
            // All sent: keep a modest buffer for the next write instead of allocating again.
            if c.out.capacity() > KEEP_OUT_CAPACITY {
                c.out = Vec::new();
            } else {
                c.out.clear();
            }
            c.out_pos = 0;
        }
    }
    let ok = c.queued() < c.options.high_water_mark;
    if !ok {
        c.need_drain = true;
    }
    if wrote {
        touch(lp, id);
    }
    ok
}

pub(crate) fn end(lp: &mut EventLoop, id: SocketId) {
    let Some(c) = conn_mut(lp, id) else { return };
    if c.end_requested || c.phase == Phase::Closed {
        return;
    }
    c.end_requested = true;
    finish_end(lp, id);
}

/// Emits `error` and then closes the socket.
pub(crate) fn fail(lp: &mut EventLoop, id: SocketId, err: Error) {
    let Some(c) = conn_mut(lp, id) else { return };
    if c.phase == Phase::Closed {
        return;
    }
    c.had_error = true;
    with_handler(lp, id, move |h, s| h.on_error(s, &err));
    destroy(lp, id, None);
}

/// Closes the socket now: the fd is released at once, `close` is emitted in the close phase.
pub(crate) fn destroy(lp: &mut EventLoop, id: SocketId, err: Option<Error>) {
    if let Some(err) = err {
        fail(lp, id, err);
        return;
    }
    let Some((c, registry)) = lp.handle_and_registry::<Conn>(id.0) else { return };
    if c.phase == Phase::Closed {
        return;
    }
    c.phase = Phase::Closed;
    if let Some(mut s) = c.stream.take() {
        s.deregister(registry);
    }
    c.out = Vec::new();
    c.out_pos = 0;
    let timer = c.timer.take();
    let layer_timer = c.layer_timer.take();
    let connecting = c.connecting.take();
    let server = c.server.take();
    let spliced_from = c.spliced_from.take();
    let splice_dst = c.splice.take().map(|s| s.dst);
    let had_error = c.had_error;
    for t in [timer, layer_timer].into_iter().flatten() {
        lp.clear_timer(t);
    }
    if let Some(connecting) = connecting {
        crate::connect::abandon(lp, *connecting);
    }
    if let Some(src) = spliced_from.filter(|s| *s != id) {
        crate::splice::detach(lp, src);
    }
    if let Some(dst) = splice_dst.filter(|d| *d != id) {
        // Destroyed without an end: unpipe and leave the destination open, as Node's `pipe`.
        if let Some(d) = conn_mut(lp, dst) {
            d.spliced_from = None;
        }
        finish_end(lp, dst);
    }
    stream::emit_close(lp, id.0);
    lp.defer_close(move |lp| {
        let Some(state) = lp.remove_handle(id.0) else { return };
        let Ok(conn) = state.downcast::<Conn>() else { return };
        if let Some(mut h) = conn.handler {
            h.on_close(lp, id, had_error);
        }
    });
    // After queueing our `close`: a closing server emits its own `close` after its last
    // connection's, as Node does.
    if let Some((server, slot)) = server {
        server::remove_connection(lp, server, slot, id);
    }
}

pub(crate) fn set_server_slot(lp: &mut EventLoop, id: SocketId, slot: Option<(ServerId, usize)>) {
    if let Some(c) = conn_mut(lp, id) {
        c.server = slot;
    }
}

/// A socket during one of its handler's callbacks: the socket's operations, plus the loop.
///
/// `Socket` derefs to nothing; it is a [`SocketId`] and the loop together, so every operation
/// of `SocketId` is available here without passing the loop.
///
/// ```
/// use netcore_tcp::{connect, listen, Socket, SocketHandler};
///
/// struct Ping { server_port: u16 }
/// impl SocketHandler for Ping {
///     fn on_connect(&mut self, s: &mut Socket<'_>) {
///         assert_eq!(s.remote_address().and_then(|a| a.port()), Some(self.server_port));
///         s.write(b"ping");
///     }
///     fn on_data(&mut self, s: &mut Socket<'_>, d: &[u8]) {
///         assert_eq!(d, b"ping"); // echoed
///         assert_eq!((s.bytes_written(), s.bytes_read()), (4, 4));
///         s.end();
///     }
/// }
/// let mut lp = netcore::EventLoop::new()?;
/// let server = listen(&mut lp, "127.0.0.1:0", |s: &mut Socket<'_>| {
///     s.server().unwrap().close(s.lp()); // one connection, then done
///     s.pipe(s.id()) // echo
/// })?;
/// let addr = server.address(&lp).unwrap();
/// connect(&mut lp, &addr.to_string(), Ping { server_port: addr.port().unwrap() });
/// lp.run()?;
/// # Ok::<(), netcore_tcp::Error>(())
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
    /// A context for socket `id` (for code that holds an id and the loop).
    pub fn new(lp: &'a mut EventLoop, id: SocketId) -> Self {
        Socket { lp, id }
    }

    /// This socket's id: keep it to reach the socket from elsewhere.
    pub fn id(&self) -> SocketId {
        self.id
    }

    /// The loop, to set timers, queue work or act on other sockets (`other.write(s.lp(), ..)`).
    pub fn lp(&mut self) -> &mut EventLoop {
        self.lp
    }
}

macro_rules! forward {
    ($( $(#[$m:meta])* fn $name:ident(&mut self $(, $arg:ident: $ty:ty)*) $(-> $ret:ty)?; )*) => {
        impl Socket<'_> {
            $( $(#[$m])* pub fn $name(&mut self $(, $arg: $ty)*) $(-> $ret)? { self.id.$name(self.lp $(, $arg)*) } )*
        }
    };
}

forward! {
    /// See [`SocketId::write`].
    fn write(&mut self, data: &[u8]) -> bool;
    /// See [`SocketId::end`].
    fn end(&mut self);
    /// See [`SocketId::end_with`].
    fn end_with(&mut self, data: &[u8]);
    /// See [`SocketId::destroy`].
    fn destroy(&mut self);
    /// See [`SocketId::pause`].
    fn pause(&mut self);
    /// See [`SocketId::resume`].
    fn resume(&mut self);
    /// See [`SocketId::set_timeout`].
    fn set_timeout(&mut self, timeout: Duration);
    /// See [`SocketId::set_no_delay`].
    fn set_no_delay(&mut self, no_delay: bool) -> io::Result<()>;
    /// See [`SocketId::set_keep_alive`].
    fn set_keep_alive(&mut self, idle: Option<Duration>, interval: Option<Duration>, retries: Option<u32>) -> io::Result<()>;
    /// See [`SocketId::pipe`].
    fn pipe(&mut self, dst: SocketId);
    /// See [`SocketId::unref`].
    fn unref(&mut self);
    /// See [`SocketId::ref_`].
    fn ref_(&mut self);
}

impl Socket<'_> {
    /// See [`SocketId::bytes_read`].
    pub fn bytes_read(&self) -> u64 {
        self.id.bytes_read(self.lp)
    }
    /// See [`SocketId::bytes_written`].
    pub fn bytes_written(&self) -> u64 {
        self.id.bytes_written(self.lp)
    }
    /// See [`SocketId::writable_length`].
    pub fn writable_length(&self) -> usize {
        self.id.writable_length(self.lp)
    }
    /// See [`SocketId::local_address`].
    pub fn local_address(&self) -> Option<Address> {
        self.id.local_address(self.lp)
    }
    /// See [`SocketId::remote_address`].
    pub fn remote_address(&self) -> Option<Address> {
        self.id.remote_address(self.lp)
    }
    /// See [`SocketId::server`].
    pub fn server(&self) -> Option<ServerId> {
        self.id.server(self.lp)
    }
    /// See [`SocketId::is_paused`].
    pub fn is_paused(&self) -> bool {
        self.id.is_paused(self.lp)
    }
    /// See [`SocketId::is_open`].
    pub fn is_open(&self) -> bool {
        self.id.is_open(self.lp)
    }
    /// See [`SocketId::layer`].
    pub fn layer<T: Layer>(&self) -> Option<&T> {
        self.id.layer(self.lp)
    }
    /// See [`SocketId::is_secure`].
    pub fn is_secure(&self) -> bool {
        self.id.is_secure(self.lp)
    }
}

impl SocketId {
    /// Queues `data` for the peer (`socket.write`). Returns false once more than the high-water
    /// mark is queued (the data is queued all the same): wait for `drain` before writing more.
    /// Writing after `end` emits [`Error::WriteAfterEnd`]; writing to a closed socket does nothing.
    pub fn write(self, lp: &mut EventLoop, data: &[u8]) -> bool {
        write(lp, self, data)
    }

    /// [`write`](Self::write) of several buffers in order, as one: while nothing is queued they
    /// go to the kernel in one `writev`, so a header and a large payload need not be copied
    /// together first (Node's `socket.cork()` … `uncork()`, or `_writev`). Returns as `write`.
    ///
    /// ```
    /// use netcore_tcp::{connect, listen, on_data, Socket};
    /// let mut lp = netcore::EventLoop::new()?;
    /// // One connection, whose bytes the server keeps in the loop's state.
    /// let server = listen(&mut lp, "127.0.0.1:0", |s: &mut Socket<'_>| {
    ///     let server = s.server().unwrap();
    ///     server.close(s.lp());
    ///     on_data(|s, d| s.lp().state_or_default::<Vec<u8>>().extend_from_slice(d))
    /// })?;
    /// let addr = server.address(&lp).unwrap().to_string();
    /// let client = connect(&mut lp, &addr, on_data(|_, _| {}));
    /// client.write_vectored(&mut lp, &[b"head:", b"body"]);
    /// client.end(&mut lp);
    /// lp.run()?;
    /// assert_eq!(lp.state::<Vec<u8>>().map(Vec::as_slice), Some(&b"head:body"[..]));
    /// # Ok::<(), netcore_tcp::Error>(())
    /// ```
    pub fn write_vectored(self, lp: &mut EventLoop, parts: &[&[u8]]) -> bool {
        write_parts(lp, self, parts)
    }

    /// Hands the socket to another handler: every later event goes to `handler`, and the old
    /// one is dropped (at once, or when its running callback returns). This is how a protocol
    /// switches on a live connection: HTTP's `upgrade` and `CONNECT` give the socket to a
    /// WebSocket or tunnel handler. Returns false if the socket is gone.
    ///
    /// ```
    /// use netcore::EventLoop;
    /// use netcore_tcp::{on_data, Socket};
    /// # fn switch(lp: &mut EventLoop, socket: netcore_tcp::SocketId) {
    /// socket.set_handler(lp, on_data(|s: &mut Socket<'_>, data: &[u8]| {
    ///     s.write(data);
    /// }));
    /// # }
    /// ```
    pub fn set_handler(self, lp: &mut EventLoop, handler: impl SocketHandler) -> bool {
        let Some(c) = conn_mut(lp, self) else { return false };
        if c.phase == Phase::Closed {
            return false;
        }
        c.handler = Some(Box::new(handler));
        true
    }

    /// Half-closes: sends FIN once the queue is flushed (`socket.end()`).
    pub fn end(self, lp: &mut EventLoop) {
        end(lp, self)
    }

    /// Writes `data` and then ends (`socket.end(data)`).
    pub fn end_with(self, lp: &mut EventLoop, data: &[u8]) {
        write(lp, self, data);
        end(lp, self)
    }

    /// Closes at once, dropping anything queued (`socket.destroy()`).
    pub fn destroy(self, lp: &mut EventLoop) {
        destroy(lp, self, None)
    }

    /// Stops reading (`socket.pause()`): the kernel buffer fills and TCP flow control stops the peer.
    pub fn pause(self, lp: &mut EventLoop) {
        if let Some(c) = conn_mut(lp, self) {
            c.paused = true;
        }
    }

    /// Resumes reading after [`pause`](Self::pause) (`socket.resume()`).
    pub fn resume(self, lp: &mut EventLoop) {
        if let Some(c) = conn_mut(lp, self) {
            if std::mem::take(&mut c.paused) && c.phase == Phase::Open {
                lp.requeue(self.0, Ready::READABLE);
            }
        }
    }

    /// Whether the socket is paused.
    pub fn is_paused(self, lp: &EventLoop) -> bool {
        conn(lp, self).is_some_and(|c| c.paused)
    }

    /// Emits `timeout` after `timeout` of inactivity; zero disables (`socket.setTimeout`).
    pub fn set_timeout(self, lp: &mut EventLoop, timeout: Duration) {
        let now = lp.now();
        let Some(c) = conn_mut(lp, self) else { return };
        let old = c.timer.take();
        c.options.timeout = (!timeout.is_zero()).then_some(timeout);
        c.last_active = now;
        if let Some(t) = old {
            lp.clear_timer(t);
        }
        if !timeout.is_zero() {
            arm_timeout(lp, self, timeout);
        }
    }

    /// Enables or disables Nagle's algorithm (`socket.setNoDelay`).
    pub fn set_no_delay(self, lp: &mut EventLoop, no_delay: bool) -> io::Result<()> {
        let Some(c) = conn_mut(lp, self) else { return Err(Error::Closed.into()) };
        c.options.no_delay = no_delay;
        match c.stream.as_ref().and_then(|s| s.tcp()) {
            Some(tcp) => tcp.set_nodelay(no_delay),
            None => Ok(()),
        }
    }

    /// TCP keep-alive: `idle` before the first probe (`None` disables), then probes every
    /// `interval`, giving up after `retries` (`socket.setKeepAlive`, plus the probe settings).
    pub fn set_keep_alive(
        self,
        lp: &mut EventLoop,
        idle: Option<Duration>,
        interval: Option<Duration>,
        retries: Option<u32>,
    ) -> io::Result<()> {
        let Some(c) = conn_mut(lp, self) else { return Err(Error::Closed.into()) };
        c.options.keep_alive = idle;
        let Some(tcp) = c.stream.as_ref().and_then(|s| s.tcp()) else { return Ok(()) };
        match idle {
            Some(idle) => apply_keep_alive(tcp, idle, interval, retries),
            None => socket2::SockRef::from(tcp).set_keepalive(false),
        }
    }

    /// Pipes everything this socket reads into `dst`, with backpressure both ways, and ends `dst`
    /// when this socket ends (`socket.pipe(dst)`). Between two sockets on Linux the bytes move with
    /// `splice(2)` and never enter user space; piping a socket into itself makes an echo.
    pub fn pipe(self, lp: &mut EventLoop, dst: SocketId) {
        if !crate::splice::attach(lp, self, dst) {
            stream::pipe(lp, self, dst, stream::PipeOptions::default());
        }
    }

    /// Stops the socket from keeping the loop alive (`socket.unref()`).
    pub fn unref(self, lp: &mut EventLoop) {
        lp.unref_handle(self.0)
    }

    /// Makes the socket keep the loop alive again (`socket.ref()`).
    pub fn ref_(self, lp: &mut EventLoop) {
        lp.ref_handle(self.0)
    }

    /// Bytes received so far (`socket.bytesRead`).
    pub fn bytes_read(self, lp: &EventLoop) -> u64 {
        conn(lp, self).map_or(0, |c| c.bytes_read)
    }

    /// Bytes handed to the kernel so far (`socket.bytesWritten`, without the queue).
    pub fn bytes_written(self, lp: &EventLoop) -> u64 {
        conn(lp, self).map_or(0, |c| c.bytes_written)
    }

    /// Bytes queued and not yet handed to the kernel (`socket.writableLength`).
    pub fn writable_length(self, lp: &EventLoop) -> usize {
        conn(lp, self).map_or(0, |c| c.queued())
    }

    /// The local address (`socket.address()`).
    pub fn local_address(self, lp: &EventLoop) -> Option<Address> {
        conn(lp, self)?.stream.as_ref()?.local_addr().ok()
    }

    /// The peer's address (`socket.remoteAddress`/`remotePort`).
    pub fn remote_address(self, lp: &EventLoop) -> Option<Address> {
        conn(lp, self)?.stream.as_ref()?.peer_addr().ok()
    }

    /// The server that accepted this socket, if any.
    pub fn server(self, lp: &EventLoop) -> Option<ServerId> {
        conn(lp, self)?.server.map(|(s, _)| s)
    }

    /// Whether the socket is connecting or open (not yet destroyed).
    pub fn is_open(self, lp: &EventLoop) -> bool {
        conn(lp, self).is_some_and(|c| c.phase != Phase::Closed)
    }

    /// Whether the socket is still connecting (`socket.connecting`).
    pub fn is_connecting(self, lp: &EventLoop) -> bool {
        conn(lp, self).is_some_and(|c| c.phase == Phase::Connecting)
    }

    /// The loop handle behind this socket.
    pub fn handle_id(self) -> HandleId {
        self.0
    }

    /// Puts `layer` between the wire and the handler from now on (STARTTLS: Node's
    /// `new tls.TLSSocket(socket)`). `head` holds wire bytes the handler already read that belong
    /// to the layer (a ClientHello that came with the STARTTLS command); usually empty. Returns
    /// false if the socket is gone.
    pub fn set_layer(self, lp: &mut EventLoop, layer: Box<dyn Layer>, head: &[u8]) -> bool {
        if !self.is_open(lp) {
            return false;
        }
        set_layer(lp, self, layer, head);
        true
    }

    /// The socket's layer as its concrete type (`netcore_tls` reads its session this way).
    pub fn layer<T: Layer>(self, lp: &EventLoop) -> Option<&T> {
        conn(lp, self)?.layer.as_ref()?.as_any().downcast_ref()
    }

    /// Whether the socket has a layer whose handshake completed (Node's `socket.encrypted` once
    /// `secureConnect` fired).
    pub fn is_secure(self, lp: &EventLoop) -> bool {
        conn(lp, self).and_then(|c| c.layer.as_ref()).is_some_and(|l| l.is_secure())
    }
}

impl StreamHandle for SocketId {
    fn handle_id(self) -> HandleId {
        self.0
    }
}

impl Readable for SocketId {
    fn pause(self, lp: &mut EventLoop) {
        SocketId::pause(self, lp)
    }
    fn resume(self, lp: &mut EventLoop) {
        SocketId::resume(self, lp)
    }
}

impl Writable for SocketId {
    fn write(self, lp: &mut EventLoop, data: &[u8]) -> bool {
        write(lp, self, data)
    }
    fn end(self, lp: &mut EventLoop) {
        end(lp, self)
    }
}
