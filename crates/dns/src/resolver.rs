//! The resolver (Node's `dns.Resolver`, the c-ares side): queries of any type sent to the
//! configured servers over `netcore-udp`, retried over `netcore-tcp` when the answer comes back
//! truncated.
//!
//! ```text
//!  resolve4("www.x") ─▶ query (random ID) ─UDP─▶ server 1 ── timeout ─▶ server 2 ─▶ … × tries
//!                                    ◀─ answer: ID, source and question must match, else ignored
//!                                    ◀─ TC set: the same query over TCP to the same server
//! ```
//!
//! Each server gets one connected UDP socket per resolver (a kernel-chosen random source port;
//! only that server's datagrams arrive), so an unreachable server is reported at once
//! (`ECONNREFUSED`) and the next one tried. Names are tried with the search domains of
//! `resolv.conf` as glibc does; answers carry their TTLs.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use netcore::cache::ExpiringCache;
use netcore::{EventLoop, HandleId, Ready, TimerId};

use crate::error::{Code, Error};
use crate::proto::{Header, Message, Name, RData, Rcode, Record, RecordType, DEFAULT_EDNS_PAYLOAD};
use crate::resolv_conf::ResolvConf;

/// The longest an answer is cached, whatever TTL the server gave (as c-ares caps it): one
/// answer cannot pin a record for years.
pub const MAX_CACHE_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// `SO_RCVBUF` of each server's UDP socket. Every query in flight to a server may have its
/// answer queued there at once, and the kernel counts each datagram at about 800 bytes whatever
/// its size: the common default of 208 KiB overflows, and drops answers, at about 250 queries in
/// flight. A limit, not an allocation; the kernel caps it at `net.core.rmem_max`.
const RECV_BUFFER_SIZE: usize = 1 << 20;

/// Entries the answer cache keeps (the oldest makes room).
pub const DEFAULT_CACHE_ENTRIES: usize = 256;

/// A resolver's settings (Node's `new dns.Resolver({timeout, tries})` plus `setServers`).
///
/// ```
/// use std::time::Duration;
/// use netcore_dns::{Code, Resolver, ResolverOptions};
///
/// // A server address where nothing listens: bind a port, then let it go.
/// let free = std::net::UdpSocket::bind("127.0.0.1:0")?.local_addr()?;
/// let mut options = ResolverOptions::default();
/// options.servers = Some(vec![free]); // `resolver.setServers(['127.0.0.1:PORT'])`
/// options.timeout = Some(Duration::from_millis(500)); // `timeout` per server
/// options.tries = Some(1); // `tries`
/// options.search = Some(Vec::new());
/// let mut lp = netcore::EventLoop::new()?;
/// Resolver::new(&mut lp, options).resolve_mx(&mut lp, "example.test", |_lp, result| {
///     // ICMP port unreachable on the connected socket, or no answer in time.
///     let err = result.unwrap_err();
///     assert!(matches!(err.kind, Code::ConnRefused | Code::Timeout), "{err}");
///     assert_eq!(err.syscall, "queryMx");
/// });
/// lp.run()?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ResolverOptions {
    /// Servers, in order (default: `resolv.conf`'s `nameserver` lines).
    pub servers: Option<Vec<SocketAddr>>,
    /// How long to wait for each server (default: `resolv.conf`'s `timeout`, 5 s).
    pub timeout: Option<Duration>,
    /// Rounds through the servers before `ETIMEOUT` (default: `resolv.conf`'s `attempts`, 2).
    pub tries: Option<u8>,
    /// Search domains and `ndots` (default: `resolv.conf`'s). Empty: names are tried as given.
    pub search: Option<Vec<String>>,
    /// The UDP payload size advertised with EDNS0 (default 1232, the DNS flag day size; `None`
    /// sends no OPT record and answers are limited to 512 bytes).
    pub edns_payload: Option<u16>,
    /// Keep answers for their TTL (the smallest in the answer), at most
    /// [`DEFAULT_CACHE_ENTRIES`] of them (default false, as c-ares in Node).
    pub cache: bool,
}

impl Default for ResolverOptions {
    fn default() -> Self {
        ResolverOptions {
            servers: None,
            timeout: None,
            tries: None,
            search: None,
            edns_payload: Some(DEFAULT_EDNS_PAYLOAD),
            cache: false,
        }
    }
}

/// An answer's records with their TTLs, as queried (the answer section, CNAMEs included).
pub type Records = Vec<Record>;

type Done = Box<dyn FnOnce(&mut EventLoop, Result<Records, Error>)>;

/// A query in flight.
struct Query {
    /// The names to try, with the search domains; `names[name_index]` is being asked.
    names: Vec<Name>,
    name_index: usize,
    rtype: RecordType,
    syscall: &'static str,
    hostname: String,
    server: usize,
    round: u8,
    message: Option<Message>,
    timer: Option<TimerId>,
    tcp: Option<netcore_tcp::SocketId>,
    /// The error to report if every server fails.
    last: Code,
    /// A candidate name existed without records of the type: if the last one does not exist,
    /// the answer is still `ENODATA` (c-ares's `ever_got_nodata`).
    nodata_seen: bool,
    done: Option<Done>,
}

/// The resolver's state, kept in a loop handle.
struct State {
    conf: ResolvConf,
    edns: Option<u16>,
    sockets: Vec<Option<netcore_udp::SocketId>>,
    /// Query IDs in flight per server, to their queries.
    by_id: Vec<HashMap<u16, u64>>,
    queries: HashMap<u64, Query>,
    next_query: u64,
    /// Query IDs must be unpredictable to an off-path attacker (RFC 5452 §9.2).
    rng: netcore::rng::Rng,
    cache: Option<ExpiringCache<(Name, RecordType), Records>>,
}

/// A resolver on a loop (Node's `dns.Resolver`). `Copy`: a handle to state the loop keeps.
///
/// ```no_run
/// use netcore_dns::{Resolver, ResolverOptions};
/// let mut lp = netcore::EventLoop::new()?;
/// let resolver = Resolver::new(&mut lp, ResolverOptions::default());
/// resolver.resolve4(&mut lp, "example.com", |_lp, result| match result {
///     Ok(addrs) => addrs.iter().for_each(|(ip, ttl)| println!("{ip} ttl={ttl}")),
///     Err(e) => eprintln!("{e}"),
/// });
/// lp.run()?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolver(HandleId);

fn no_ready(_: &mut EventLoop, _: HandleId, _: Ready) {}

fn state(lp: &mut EventLoop, r: Resolver) -> Option<&mut State> {
    lp.handle_mut::<State>(r.0)
}

impl Resolver {
    /// A resolver with `options` over `resolv.conf`'s settings.
    pub fn new(lp: &mut EventLoop, options: ResolverOptions) -> Resolver {
        let mut conf = ResolvConf::system();
        if let Some(servers) = options.servers {
            conf.nameservers = servers;
        }
        if let Some(t) = options.timeout {
            conf.timeout = t;
        }
        if let Some(t) = options.tries {
            conf.attempts = t.max(1);
        }
        if let Some(s) = options.search {
            conf.search = s;
        }
        let n = conf.nameservers.len();
        let st = State {
            conf,
            edns: options.edns_payload,
            sockets: vec![None; n],
            by_id: vec![HashMap::new(); n],
            queries: HashMap::new(),
            next_query: 0,
            rng: netcore::rng::Rng::from_entropy(),
            cache: options.cache.then(|| ExpiringCache::new(DEFAULT_CACHE_ENTRIES)),
        };
        let hid = lp.insert_handle(st, no_ready);
        // Queries keep the loop alive through their timers; an idle resolver does not.
        lp.unref_handle(hid);
        Resolver(hid)
    }

    /// The servers queried, in order (`resolver.getServers()`).
    pub fn servers(self, lp: &mut EventLoop) -> Vec<SocketAddr> {
        state(lp, self).map(|s| s.conf.nameservers.clone()).unwrap_or_default()
    }

    /// Replaces the servers (`resolver.setServers`). Queries in flight finish on the old ones'
    /// sockets' closing: they are cancelled with `ECANCELLED`.
    pub fn set_servers(self, lp: &mut EventLoop, servers: &[SocketAddr]) {
        self.cancel(lp);
        let Some(st) = state(lp, self) else { return };
        let old: Vec<_> = st.sockets.drain(..).flatten().collect();
        st.conf.nameservers = servers.to_vec();
        st.sockets = vec![None; servers.len()];
        st.by_id = vec![HashMap::new(); servers.len()];
        for s in old {
            s.close(lp);
        }
    }

    /// Cancels every query in flight: each callback gets `ECANCELLED` (`resolver.cancel()`).
    pub fn cancel(self, lp: &mut EventLoop) {
        let ids: Vec<u64> = state(lp, self).map(|s| s.queries.keys().copied().collect()).unwrap_or_default();
        for q in ids {
            finish(lp, self, q, Err(Code::Cancelled));
        }
    }

    /// Queries `name` for records of `rtype` and calls `done` with the answer section
    /// (`resolver.resolve(name, rrtype)`), CNAMEs included, each record with its TTL. Errors
    /// name the query as Node does (`queryA`, `queryMx`, …; `query` for other types).
    pub fn resolve(
        self,
        lp: &mut EventLoop,
        name: &str,
        rtype: RecordType,
        done: impl FnOnce(&mut EventLoop, Result<Records, Error>) + 'static,
    ) {
        self.query(lp, name, rtype, syscall_of(rtype), Box::new(done));
    }

    fn query(self, lp: &mut EventLoop, name: &str, rtype: RecordType, syscall: &'static str, done: Done) {
        let hostname = name.to_string();
        let Some(st) = state(lp, self) else {
            lp.next_tick(move |lp| done(lp, Err(Error::new(Code::Cancelled, syscall, hostname))));
            return;
        };
        let names: Result<Vec<Name>, _> =
            st.conf.candidates(name).iter().map(|n| Name::from_ascii(n)).collect();
        let names = match names {
            Ok(names) if !names.is_empty() => names,
            _ => {
                lp.next_tick(move |lp| done(lp, Err(Error::new(Code::BadName, syscall, hostname))));
                return;
            }
        };
        let now = lp.now();
        let Some(st) = state(lp, self) else { return };
        if let Some(records) = st.cache.as_mut().and_then(|c| c.get(&(names[0].clone(), rtype), now)) {
            let records = records.clone();
            lp.next_tick(move |lp| done(lp, Ok(records)));
            return;
        }
        if st.conf.nameservers.is_empty() {
            lp.next_tick(move |lp| done(lp, Err(Error::new(Code::ConnRefused, syscall, hostname))));
            return;
        }
        let q = st.next_query;
        st.next_query += 1;
        st.queries.insert(
            q,
            Query {
                names,
                name_index: 0,
                rtype,
                syscall,
                hostname,
                server: 0,
                round: 0,
                message: None,
                timer: None,
                tcp: None,
                last: Code::Timeout,
                nodata_seen: false,
                done: Some(done),
            },
        );
        send(lp, self, q);
    }
}

/// Node's `err.syscall` for a query of `rtype` (`resolver.resolve(name, 'MX')` fails as
/// `queryMx`); `query` for types Node has no method for.
fn syscall_of(rtype: RecordType) -> &'static str {
    match rtype {
        RecordType::A => "queryA",
        RecordType::AAAA => "queryAaaa",
        RecordType::CNAME => "queryCname",
        RecordType::MX => "queryMx",
        RecordType::NS => "queryNs",
        RecordType::PTR => "queryPtr",
        RecordType::SOA => "querySoa",
        RecordType::SRV => "querySrv",
        RecordType::TXT => "queryTxt",
        RecordType::CAA => "queryCaa",
        RecordType::NAPTR => "queryNaptr",
        RecordType::ANY => "queryAny",
        _ => "query",
    }
}

/// Sends query `q` to its current server over UDP, and arms its timer.
fn send(lp: &mut EventLoop, r: Resolver, q: u64) {
    let Some(st) = state(lp, r) else { return };
    let edns = st.edns;
    let Some(query) = st.queries.get(&q) else { return };
    let server = query.server;
    let addr = st.conf.nameservers[server];
    let timeout = st.conf.timeout;
    // A fresh random ID per transmission, unused by another query to this server (all 65,536
    // in use: this server cannot take another query now).
    if st.by_id[server].len() > usize::from(u16::MAX) {
        return fail_server(lp, r, q, Code::Io);
    }
    let mut id = st.rng.next_u64() as u16;
    while st.by_id[server].contains_key(&id) {
        id = st.rng.next_u64() as u16;
    }
    let Some(query) = st.queries.get_mut(&q) else { return };
    let message = Message::query(id, query.names[query.name_index].clone(), query.rtype, true, edns);
    let bytes = match message.encode_to_vec() {
        Ok(b) => b,
        Err(_) => return finish(lp, r, q, Err(Code::BadName)),
    };
    query.message = Some(message);
    st.by_id[server].insert(id, q);
    let socket = match socket_for(lp, r, server, addr) {
        Ok(s) => s,
        Err(code) => return fail_server(lp, r, q, code),
    };
    if let Err(e) = socket.send(lp, &bytes) {
        let code =
            if matches!(e, netcore_udp::Error::ConnectionRefused) { Code::ConnRefused } else { Code::Io };
        return fail_server(lp, r, q, code);
    }
    let timer = lp.set_timeout(timeout, move |lp| {
        if let Some(query) = state(lp, r).and_then(|s| s.queries.get_mut(&q)) {
            query.timer = None;
        }
        fail_server(lp, r, q, Code::Timeout)
    });
    if let Some(query) = state(lp, r).and_then(|s| s.queries.get_mut(&q)) {
        query.timer = Some(timer);
    }
}

/// The connected UDP socket for server `index`, opened on first use.
fn socket_for(
    lp: &mut EventLoop,
    r: Resolver,
    index: usize,
    addr: SocketAddr,
) -> Result<netcore_udp::SocketId, Code> {
    if let Some(Some(s)) = state(lp, r).map(|st| st.sockets[index]) {
        return Ok(s);
    }
    let local = if addr.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" };
    let mut options = netcore_udp::BindOptions::default();
    options.recv_buffer_size = Some(RECV_BUFFER_SIZE);
    let side = UdpSide { resolver: r, server: index, addr };
    let socket = netcore_udp::bind_with(lp, local, options, side).map_err(|_| Code::Io)?;
    if socket.connect(lp, addr).is_err() {
        socket.close(lp);
        return Err(Code::ConnRefused);
    }
    socket.unref(lp);
    if let Some(st) = state(lp, r) {
        st.sockets[index] = Some(socket);
    }
    Ok(socket)
}

/// The current server failed query `q` (timeout, refusal, a bad or failed answer): try the next
/// server, the next round, or give up with the last failure.
fn fail_server(lp: &mut EventLoop, r: Resolver, q: u64, code: Code) {
    let Some(st) = state(lp, r) else { return };
    let servers = st.conf.nameservers.len();
    let rounds = st.conf.attempts;
    let Some(query) = st.queries.get_mut(&q) else { return };
    // A timeout says less than what a server said before it.
    if code != Code::Timeout || query.last == Code::Timeout {
        query.last = code;
    }
    forget(st, q);
    let Some(query) = st.queries.get_mut(&q) else { return };
    let timer = query.timer.take();
    let tcp = query.tcp.take();
    query.server += 1;
    if query.server >= servers {
        query.server = 0;
        query.round += 1;
    }
    let exhausted = query.round >= rounds;
    let last = query.last;
    if let Some(t) = timer {
        lp.clear_timer(t);
    }
    if let Some(s) = tcp {
        s.destroy(lp);
    }
    if exhausted {
        finish(lp, r, q, Err(last));
    } else {
        send(lp, r, q);
    }
}

/// Drops query `q`'s ID from its server's table.
fn forget(st: &mut State, q: u64) {
    let Some(query) = st.queries.get(&q) else { return };
    if let Some(m) = &query.message {
        if let Some(ids) = st.by_id.get_mut(query.server) {
            if ids.get(&m.header.id) == Some(&q) {
                ids.remove(&m.header.id);
            }
        }
    }
}

/// Ends query `q` with `result`.
fn finish(lp: &mut EventLoop, r: Resolver, q: u64, result: Result<Records, Code>) {
    let now = lp.now();
    let Some(st) = state(lp, r) else { return };
    forget(st, q);
    let Some(mut query) = st.queries.remove(&q) else { return };
    if let (Ok(records), Some(cache)) = (&result, st.cache.as_mut()) {
        // RFC 2181 §8: a TTL with the top bit set counts as 0; others are capped.
        let ttl = |rec: &Record| if rec.ttl > i32::MAX as u32 { 0 } else { rec.ttl };
        if let Some(ttl) = records.iter().map(ttl).min().filter(|t| *t > 0) {
            let expiry = now + Duration::from_secs(ttl.into()).min(MAX_CACHE_TTL);
            cache.insert((query.names[0].clone(), query.rtype), records.clone(), expiry);
        }
    }
    if let Some(t) = query.timer.take() {
        lp.clear_timer(t);
    }
    if let Some(s) = query.tcp.take() {
        s.destroy(lp);
    }
    let (syscall, hostname) = (query.syscall, std::mem::take(&mut query.hostname));
    if let Some(done) = query.done.take() {
        done(lp, result.map_err(|code| Error::new(code, syscall, hostname)));
    }
}

/// A response to query `q` arrived (over UDP, or over TCP when `tcp`).
fn answer(lp: &mut EventLoop, r: Resolver, q: u64, bytes: &[u8], tcp: bool) {
    let Some(query) = state(lp, r).and_then(|s| s.queries.get(&q)) else { return };
    let Some(sent) = query.message.as_ref() else { return };
    // Asked again over TCP: a late or repeated UDP answer changes nothing.
    if !tcp && query.tcp.is_some() {
        return;
    }
    // A truncated UDP answer may be cut mid-record (RFC 2181 §9), and its records are not used:
    // only its header and question are read, and if they answer ours, it is asked over TCP.
    let truncated = !tcp && Header::decode(bytes).is_ok_and(|h| h.tc);
    let decoded = if truncated { Message::decode_head(bytes) } else { Message::decode(bytes) };
    let response = match decoded {
        Ok(m) if m.is_response_to(sent) => m,
        // The ID matched (we looked it up by ID) but the question does not: not ours (RFC 5452
        // §9.1); keep waiting for the real answer.
        Ok(_) => return,
        Err(_) => return fail_server(lp, r, q, Code::BadResponse),
    };
    if truncated {
        return retry_over_tcp(lp, r, q);
    }
    let more_names = query.name_index + 1 < query.names.len();
    let rtype = query.rtype;
    let rcode = response.header.rcode;
    let code = match rcode {
        Rcode::NO_ERROR => {
            // The records asked for, not just a CNAME on the way to nothing (RFC 2308 §2.2).
            let has_type = if rtype == RecordType::ANY {
                !response.answers.is_empty()
            } else {
                response.answers.iter().any(|rec| rec.rtype() == rtype)
            };
            if has_type {
                return finish(lp, r, q, Ok(response.answers));
            }
            Code::NoData
        }
        Rcode::NX_DOMAIN => Code::NotFound,
        Rcode::SERV_FAIL => return fail_server(lp, r, q, Code::ServFail),
        Rcode::REFUSED => return fail_server(lp, r, q, Code::Refused),
        Rcode::FORM_ERR => return fail_server(lp, r, q, Code::FormErr),
        Rcode::NOT_IMP => return fail_server(lp, r, q, Code::NotImp),
        _ => return fail_server(lp, r, q, Code::BadResponse),
    };
    // No such name, or no such record: the next search domain, if any, else that is the answer
    // (ENODATA if any name tried had no such record).
    let Some(st) = state(lp, r) else { return };
    let Some(query) = st.queries.get_mut(&q) else { return };
    query.nodata_seen |= code == Code::NoData;
    if !more_names {
        let code = if query.nodata_seen { Code::NoData } else { code };
        return finish(lp, r, q, Err(code));
    }
    forget(st, q);
    let Some(query) = st.queries.get_mut(&q) else { return };
    query.name_index += 1;
    query.server = 0;
    query.round = 0;
    let timer = query.timer.take();
    if let Some(t) = timer {
        lp.clear_timer(t);
    }
    send(lp, r, q);
}

/// The UDP answer was truncated: ask the same server over TCP (RFC 7766 §5).
fn retry_over_tcp(lp: &mut EventLoop, r: Resolver, q: u64) {
    let Some(st) = state(lp, r) else { return };
    let Some(query) = st.queries.get(&q) else { return };
    let addr = st.conf.nameservers[query.server];
    // RFC 1035 §4.2.2: a two-byte length, then the message, in one write (RFC 7766 §8).
    let mut request = vec![0, 0];
    let Some(Ok(())) = query.message.as_ref().map(|m| m.encode(&mut request)) else { return };
    let len = (request.len() - 2) as u16;
    request[..2].copy_from_slice(&len.to_be_bytes());
    let socket = netcore_tcp::connect_addrs(
        lp,
        &[addr],
        netcore_tcp::SocketOptions::default(),
        TcpSide { resolver: r, query: q, request, response: Vec::new() },
    );
    if let Some(query) = state(lp, r).and_then(|s| s.queries.get_mut(&q)) {
        query.tcp = Some(socket);
    }
}

struct UdpSide {
    resolver: Resolver,
    server: usize,
    addr: SocketAddr,
}

impl netcore_udp::SocketHandler for UdpSide {
    fn on_message(
        &mut self,
        socket: &mut netcore_udp::Socket<'_>,
        data: &[u8],
        rinfo: &netcore_udp::RemoteInfo,
    ) {
        // The socket is connected, so the kernel filters the source; check it all the same.
        if rinfo.address != self.addr || data.len() < 2 || rinfo.truncated {
            return;
        }
        let id = u16::from_be_bytes([data[0], data[1]]);
        let (r, server) = (self.resolver, self.server);
        let lp = socket.lp();
        let Some(q) = state(lp, r).and_then(|s| s.by_id.get(server)?.get(&id).copied()) else { return };
        answer(lp, r, q, data, false);
    }

    fn on_error(&mut self, socket: &mut netcore_udp::Socket<'_>, error: &netcore_udp::Error) {
        // ECONNREFUSED: nothing listens there. Every query waiting on this server moves on.
        let code =
            if matches!(error, netcore_udp::Error::ConnectionRefused) { Code::ConnRefused } else { Code::Io };
        let (r, server) = (self.resolver, self.server);
        let lp = socket.lp();
        let waiting: Vec<u64> = state(lp, r)
            .and_then(|s| Some(s.by_id.get(server)?.values().copied().collect()))
            .unwrap_or_default();
        for q in waiting {
            fail_server(lp, r, q, code);
        }
    }
}

struct TcpSide {
    resolver: Resolver,
    query: u64,
    request: Vec<u8>,
    response: Vec<u8>,
}

impl netcore_tcp::SocketHandler for TcpSide {
    fn on_connect(&mut self, s: &mut netcore_tcp::Socket<'_>) {
        s.write(&self.request);
    }

    fn on_data(&mut self, s: &mut netcore_tcp::Socket<'_>, data: &[u8]) {
        self.response.extend_from_slice(data);
        if self.response.len() < 2 {
            return;
        }
        let want = usize::from(u16::from_be_bytes([self.response[0], self.response[1]]));
        // The prefix bounds the message (at most 65,535 bytes): nothing past it is accepted.
        if self.response.len() > want + 2 {
            let (r, q) = (self.resolver, self.query);
            return fail_server(s.lp(), r, q, Code::BadResponse);
        }
        if self.response.len() == want + 2 {
            let response = std::mem::take(&mut self.response);
            let (r, q) = (self.resolver, self.query);
            let lp = s.lp();
            if let Some(query) = state(lp, r).and_then(|st| st.queries.get_mut(&q)) {
                // The answer is in hand: the socket's close is not a failure.
                query.tcp = None;
            }
            s.end();
            answer(s.lp(), r, q, &response[2..], true);
        }
    }

    fn on_end(&mut self, s: &mut netcore_tcp::Socket<'_>) {
        let (r, q, id) = (self.resolver, self.query, s.id());
        if state(s.lp(), r).and_then(|st| st.queries.get(&q)).is_some_and(|query| query.tcp == Some(id)) {
            fail_server(s.lp(), r, q, Code::BadResponse);
        }
    }

    fn on_error(&mut self, s: &mut netcore_tcp::Socket<'_>, error: &netcore_tcp::Error) {
        let (r, q) = (self.resolver, self.query);
        let refused = matches!(error, netcore_tcp::Error::ConnectionRefused { .. });
        let code = if refused { Code::ConnRefused } else { Code::BadResponse };
        let id = s.id();
        if state(s.lp(), r).and_then(|st| st.queries.get(&q)).is_some_and(|query| query.tcp == Some(id)) {
            if let Some(query) = state(s.lp(), r).and_then(|st| st.queries.get_mut(&q)) {
                query.tcp = None;
            }
            fail_server(s.lp(), r, q, code);
        }
    }
}

/// Picks the data of type `T` out of an answer, with TTLs.
fn pick<T>(records: &[Record], f: impl Fn(&RData) -> Option<T>) -> Vec<(T, u32)> {
    records.iter().filter_map(|rec| Some((f(&rec.rdata)?, rec.ttl))).collect()
}

/// Builds a typed `resolve*` method: its record type, Node's syscall name, and how to read one
/// record's data.
macro_rules! typed {
    ($( $(#[$m:meta])* fn $name:ident($rtype:expr, $syscall:literal) -> $t:ty = $f:expr; )*) => {
        impl Resolver {
            $(
                $(#[$m])*
                pub fn $name(
                    self,
                    lp: &mut EventLoop,
                    name: &str,
                    done: impl FnOnce(&mut EventLoop, Result<Vec<($t, u32)>, Error>) + 'static,
                ) {
                    // A query succeeds only with a record of its type (see `answer`), and the codec
                    // reads every known type into its variant: what is picked is never empty.
                    self.query(lp, name, $rtype, $syscall, Box::new(move |lp, result: Result<Records, Error>| {
                        done(lp, result.map(|records| pick(&records, $f)))
                    }));
                }
            )*
        }
    };
}

/// A mail exchange (`resolveMx`).
///
/// ```
/// use netcore_dns::{proto::{Name, RData}, Resolver, ResolverOptions};
/// # use netcore_dns::proto::{Message, Record};
/// # // A one-shot DNS server on loopback that answers with `rdata`.
/// # fn serve(rdata: RData) -> std::io::Result<std::net::SocketAddr> {
/// #     let socket = std::net::UdpSocket::bind("127.0.0.1:0")?;
/// #     let addr = socket.local_addr()?;
/// #     std::thread::spawn(move || {
/// #         let mut buf = [0; 1500];
/// #         let (n, peer) = socket.recv_from(&mut buf).unwrap();
/// #         let query = Message::decode(&buf[..n]).unwrap();
/// #         let mut response = Message::response_to(&query);
/// #         response.answers.push(Record::new(query.questions[0].name.clone(), 60, rdata));
/// #         socket.send_to(&response.encode_to_vec().unwrap(), peer).unwrap();
/// #     });
/// #     Ok(addr)
/// # }
///
/// let exchange = Name::from_ascii("mx.example.test")?;
/// let server = serve(RData::Mx { preference: 10, exchange })?;
/// let mut options = ResolverOptions::default();
/// options.servers = Some(vec![server]);
/// options.search = Some(Vec::new());
/// let mut lp = netcore::EventLoop::new()?;
/// Resolver::new(&mut lp, options).resolve_mx(&mut lp, "example.test", |_lp, result| {
///     let (mx, ttl) = &result.unwrap()[0];
///     assert_eq!((mx.priority, mx.exchange.as_str(), *ttl), (10, "mx.example.test", 60));
/// });
/// lp.run()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mx {
    /// Lower is preferred.
    pub priority: u16,
    /// The host.
    pub exchange: String,
}

/// A service location (`resolveSrv`).
///
/// ```
/// use netcore_dns::{proto::{Name, RData}, Resolver, ResolverOptions};
/// # use netcore_dns::proto::{Message, Record};
/// # // A one-shot DNS server on loopback that answers with `rdata`.
/// # fn serve(rdata: RData) -> std::io::Result<std::net::SocketAddr> {
/// #     let socket = std::net::UdpSocket::bind("127.0.0.1:0")?;
/// #     let addr = socket.local_addr()?;
/// #     std::thread::spawn(move || {
/// #         let mut buf = [0; 1500];
/// #         let (n, peer) = socket.recv_from(&mut buf).unwrap();
/// #         let query = Message::decode(&buf[..n]).unwrap();
/// #         let mut response = Message::response_to(&query);
/// #         response.answers.push(Record::new(query.questions[0].name.clone(), 60, rdata));
/// #         socket.send_to(&response.encode_to_vec().unwrap(), peer).unwrap();
/// #     });
/// #     Ok(addr)
/// # }
///
/// let target = Name::from_ascii("sip.example.test")?;
/// let server = serve(RData::Srv { priority: 1, weight: 5, port: 5060, target })?;
/// let mut options = ResolverOptions::default();
/// options.servers = Some(vec![server]);
/// options.search = Some(Vec::new());
/// let mut lp = netcore::EventLoop::new()?;
/// Resolver::new(&mut lp, options).resolve_srv(&mut lp, "example.test", |_lp, result| {
///     let (srv, _ttl) = &result.unwrap()[0];
///     assert_eq!((srv.priority, srv.weight, srv.port), (1, 5, 5060));
///     assert_eq!(srv.name, "sip.example.test");
/// });
/// lp.run()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Srv {
    /// Lower is tried first.
    pub priority: u16,
    /// Among equal priorities, the share of load.
    pub weight: u16,
    /// The port.
    pub port: u16,
    /// The host.
    pub name: String,
}

/// A zone's start of authority (`resolveSoa`).
///
/// ```
/// use netcore_dns::{proto::{Name, RData}, Resolver, ResolverOptions};
/// # use netcore_dns::proto::{Message, Record};
/// # // A one-shot DNS server on loopback that answers with `rdata`.
/// # fn serve(rdata: RData) -> std::io::Result<std::net::SocketAddr> {
/// #     let socket = std::net::UdpSocket::bind("127.0.0.1:0")?;
/// #     let addr = socket.local_addr()?;
/// #     std::thread::spawn(move || {
/// #         let mut buf = [0; 1500];
/// #         let (n, peer) = socket.recv_from(&mut buf).unwrap();
/// #         let query = Message::decode(&buf[..n]).unwrap();
/// #         let mut response = Message::response_to(&query);
/// #         response.answers.push(Record::new(query.questions[0].name.clone(), 60, rdata));
/// #         socket.send_to(&response.encode_to_vec().unwrap(), peer).unwrap();
/// #     });
/// #     Ok(addr)
/// # }
///
/// let (mname, rname) = (Name::from_ascii("ns1.example.test")?, Name::from_ascii("admin.example.test")?);
/// let soa = RData::Soa { mname, rname, serial: 2024, refresh: 3600, retry: 600, expire: 86400, minimum: 300 };
/// let server = serve(soa)?;
/// let mut options = ResolverOptions::default();
/// options.servers = Some(vec![server]);
/// options.search = Some(Vec::new());
/// let mut lp = netcore::EventLoop::new()?;
/// Resolver::new(&mut lp, options).resolve_soa(&mut lp, "example.test", |_lp, result| {
///     let (soa, _ttl) = &result.unwrap()[0];
///     assert_eq!((soa.nsname.as_str(), soa.hostmaster.as_str()), ("ns1.example.test", "admin.example.test"));
///     assert_eq!((soa.serial, soa.minttl), (2024, 300));
/// });
/// lp.run()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Soa {
    /// The primary server.
    pub nsname: String,
    /// The responsible mailbox, `@` as a dot.
    pub hostmaster: String,
    /// The zone's version.
    pub serial: u32,
    /// Seconds between secondaries' refreshes.
    pub refresh: u32,
    /// Seconds before a failed refresh is retried.
    pub retry: u32,
    /// Seconds after which secondaries stop answering.
    pub expire: u32,
    /// The TTL of negative answers.
    pub minttl: u32,
}

/// A certification authority authorisation (`resolveCaa`).
///
/// ```
/// use netcore_dns::{proto::{Name, RData}, Resolver, ResolverOptions};
/// # use netcore_dns::proto::{Message, Record};
/// # // A one-shot DNS server on loopback that answers with `rdata`.
/// # fn serve(rdata: RData) -> std::io::Result<std::net::SocketAddr> {
/// #     let socket = std::net::UdpSocket::bind("127.0.0.1:0")?;
/// #     let addr = socket.local_addr()?;
/// #     std::thread::spawn(move || {
/// #         let mut buf = [0; 1500];
/// #         let (n, peer) = socket.recv_from(&mut buf).unwrap();
/// #         let query = Message::decode(&buf[..n]).unwrap();
/// #         let mut response = Message::response_to(&query);
/// #         response.answers.push(Record::new(query.questions[0].name.clone(), 60, rdata));
/// #         socket.send_to(&response.encode_to_vec().unwrap(), peer).unwrap();
/// #     });
/// #     Ok(addr)
/// # }
///
/// let caa = RData::Caa { flags: 128, tag: b"issue".to_vec(), value: b"ca.example.net".to_vec() };
/// let server = serve(caa)?;
/// let mut options = ResolverOptions::default();
/// options.servers = Some(vec![server]);
/// options.search = Some(Vec::new());
/// let mut lp = netcore::EventLoop::new()?;
/// Resolver::new(&mut lp, options).resolve_caa(&mut lp, "example.test", |_lp, result| {
///     let (caa, _ttl) = &result.unwrap()[0];
///     assert!(caa.critical);
///     assert_eq!((caa.tag.as_str(), caa.value.as_str()), ("issue", "ca.example.net"));
/// });
/// lp.run()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caa {
    /// The issuer-critical flag (bit 128 of the flags).
    pub critical: bool,
    /// `issue`, `issuewild`, `iodef`, …
    pub tag: String,
    /// The value, e.g. the CA's domain.
    pub value: String,
}

/// A naming authority pointer (`resolveNaptr`).
///
/// ```
/// use netcore_dns::{proto::{Name, RData}, Resolver, ResolverOptions};
/// # use netcore_dns::proto::{Message, Record};
/// # // A one-shot DNS server on loopback that answers with `rdata`.
/// # fn serve(rdata: RData) -> std::io::Result<std::net::SocketAddr> {
/// #     let socket = std::net::UdpSocket::bind("127.0.0.1:0")?;
/// #     let addr = socket.local_addr()?;
/// #     std::thread::spawn(move || {
/// #         let mut buf = [0; 1500];
/// #         let (n, peer) = socket.recv_from(&mut buf).unwrap();
/// #         let query = Message::decode(&buf[..n]).unwrap();
/// #         let mut response = Message::response_to(&query);
/// #         response.answers.push(Record::new(query.questions[0].name.clone(), 60, rdata));
/// #         socket.send_to(&response.encode_to_vec().unwrap(), peer).unwrap();
/// #     });
/// #     Ok(addr)
/// # }
///
/// let server = serve(RData::Naptr {
///     order: 100, preference: 10, flags: b"U".to_vec(), services: b"E2U+sip".to_vec(),
///     regexp: b"!^.*$!sip:info@example.test!".to_vec(), replacement: Name::from_ascii(".")?,
/// })?;
/// let mut options = ResolverOptions::default();
/// options.servers = Some(vec![server]);
/// options.search = Some(Vec::new());
/// let mut lp = netcore::EventLoop::new()?;
/// Resolver::new(&mut lp, options).resolve_naptr(&mut lp, "example.test", |_lp, result| {
///     let (naptr, _ttl) = &result.unwrap()[0];
///     assert_eq!((naptr.order, naptr.preference), (100, 10));
///     assert_eq!((naptr.flags.as_str(), naptr.service.as_str()), ("U", "E2U+sip"));
/// });
/// lp.run()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Naptr {
    /// Processing order.
    pub order: u16,
    /// Preference among equal orders.
    pub preference: u16,
    /// Flags, e.g. `"U"`.
    pub flags: String,
    /// Services, e.g. `"E2U+sip"`.
    pub service: String,
    /// The substitution expression.
    pub regexp: String,
    /// The next name to query.
    pub replacement: String,
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A name as Node prints it: no trailing dot.
fn host(name: &Name) -> String {
    let s = name.to_string();
    s.strip_suffix('.').map(str::to_string).unwrap_or(s)
}

typed! {
    /// IPv4 addresses with TTLs (`resolve4(name, {ttl: true})`).
    fn resolve4(RecordType::A, "queryA") -> Ipv4Addr = |d: &RData| match d { RData::A(ip) => Some(*ip), _ => None };
    /// IPv6 addresses with TTLs (`resolve6`).
    fn resolve6(RecordType::AAAA, "queryAaaa") -> Ipv6Addr = |d: &RData| match d { RData::Aaaa(ip) => Some(*ip), _ => None };
    /// The canonical names (`resolveCname`).
    fn resolve_cname(RecordType::CNAME, "queryCname") -> String = |d: &RData| match d { RData::Cname(n) => Some(host(n)), _ => None };
    /// Mail exchanges (`resolveMx`).
    fn resolve_mx(RecordType::MX, "queryMx") -> Mx = |d: &RData| match d {
        RData::Mx { preference, exchange } => Some(Mx { priority: *preference, exchange: host(exchange) }),
        _ => None,
    };
    /// Name servers (`resolveNs`).
    fn resolve_ns(RecordType::NS, "queryNs") -> String = |d: &RData| match d { RData::Ns(n) => Some(host(n)), _ => None };
    /// Pointer names (`resolvePtr`).
    fn resolve_ptr(RecordType::PTR, "queryPtr") -> String = |d: &RData| match d { RData::Ptr(n) => Some(host(n)), _ => None };
    /// The zone's SOA (`resolveSoa`).
    fn resolve_soa(RecordType::SOA, "querySoa") -> Soa = |d: &RData| match d {
        RData::Soa { mname, rname, serial, refresh, retry, expire, minimum } => Some(Soa {
            nsname: host(mname), hostmaster: host(rname), serial: *serial, refresh: *refresh,
            retry: *retry, expire: *expire, minttl: *minimum,
        }),
        _ => None,
    };
    /// Service records (`resolveSrv`).
    fn resolve_srv(RecordType::SRV, "querySrv") -> Srv = |d: &RData| match d {
        RData::Srv { priority, weight, port, target } => Some(Srv { priority: *priority, weight: *weight, port: *port, name: host(target) }),
        _ => None,
    };
    /// Text records, each as its strings (`resolveTxt`: `[['v=spf1 -all'], ['a', 'b']]`).
    fn resolve_txt(RecordType::TXT, "queryTxt") -> Vec<String> = |d: &RData| match d {
        RData::Txt(strings) => Some(strings.iter().map(|s| text(s)).collect()),
        _ => None,
    };
    /// CAA records (`resolveCaa`).
    fn resolve_caa(RecordType::CAA, "queryCaa") -> Caa = |d: &RData| match d {
        RData::Caa { flags, tag, value } => Some(Caa { critical: flags & 0x80 != 0, tag: text(tag), value: text(value) }),
        _ => None,
    };
    /// NAPTR records (`resolveNaptr`).
    fn resolve_naptr(RecordType::NAPTR, "queryNaptr") -> Naptr = |d: &RData| match d {
        RData::Naptr { order, preference, flags, services, regexp, replacement } => Some(Naptr {
            order: *order, preference: *preference, flags: text(flags), service: text(services),
            regexp: text(regexp), replacement: host(replacement),
        }),
        _ => None,
    };
}

impl Resolver {
    /// Every record the server gives for an ANY query (`resolveAny`; many servers answer ANY
    /// with little, RFC 8482).
    pub fn resolve_any(
        self,
        lp: &mut EventLoop,
        name: &str,
        done: impl FnOnce(&mut EventLoop, Result<Records, Error>) + 'static,
    ) {
        self.query(lp, name, RecordType::ANY, "queryAny", Box::new(done));
    }

    /// The names of an address, from its `in-addr.arpa`/`ip6.arpa` PTR records (`reverse`).
    pub fn reverse(
        self,
        lp: &mut EventLoop,
        ip: IpAddr,
        done: impl FnOnce(&mut EventLoop, Result<Vec<String>, Error>) + 'static,
    ) {
        // Absolute: the search domains never apply to a reverse name.
        let name = format!("{}.", Name::reverse(ip));
        let shown = ip.to_string();
        self.resolve_ptr(lp, &name, move |lp, result| {
            done(
                lp,
                result.map(|names| names.into_iter().map(|(n, _)| n).collect()).map_err(|mut e| {
                    e.syscall = "getHostByAddr";
                    e.hostname = shown;
                    e
                }),
            )
        });
    }
}
