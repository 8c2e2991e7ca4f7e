//! The showcase: every layer of the workspace served at once, by one process on one loop.
//!
//! ```text
//! http://127.0.0.1:3000/         the chat page (HTML + JavaScript) ─┐
//! ws://127.0.0.1:3000/chat       the page's WebSocket               ├─ one chat room
//! tcp 127.0.0.1:8124             the TCP chat: `nc 127.0.0.1 8124`  ─┘
//! http://127.0.0.1:3000/dns?name=localhost   lookup + resolve4 as JSON
//! https://127.0.0.1:3443/        HTTPS hello, self-signed certificate made at start
//! udp 127.0.0.1:41234            UDP echo: `nc -u 127.0.0.1 41234`
//! ```
//!
//! `cargo run --release --example showcase [--http P] [--https P] [--tcp P] [--udp P]
//! [--dns-server IP:PORT]` (port 0: any free port). Each address is printed once it is bound.
//! Ctrl-C (SIGINT) or SIGTERM shuts down through the loop: the servers stop accepting, the
//! room says goodbye, WebSocket members get a 1001 close, and the process exits once every
//! connection has ended (a second signal, or 5 s, cuts that short).
mod room;
mod web;

use std::net::SocketAddr;
use std::time::Duration;

use netcore::signal::{on_signal, Signal};
use netcore::EventLoop;
use netcore_dns::{Resolver, ResolverOptions};
use netcore_http1::server::{Request, Response};
use netcore_tcp::Socket;

use room::{Room, TcpMember};

const USAGE: &str =
    "usage: showcase [--http PORT] [--https PORT] [--tcp PORT] [--udp PORT] [--dns-server IP:PORT]";

/// How long a graceful shutdown may take before the process exits anyway.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

struct Args {
    http: u16,
    https: u16,
    tcp: u16,
    udp: u16,
    dns_server: Option<SocketAddr>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args { http: 3000, https: 3443, tcp: 8124, udp: 41234, dns_server: None };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        let port = || value.parse::<u16>().map_err(|_| format!("invalid port {value:?}"));
        match flag.as_str() {
            "--http" => args.http = port()?,
            "--https" => args.https = port()?,
            "--tcp" => args.tcp = port()?,
            "--udp" => args.udp = port()?,
            "--dns-server" => {
                args.dns_server = Some(value.parse().map_err(|_| format!("invalid server {value:?}"))?)
            }
            _ => return Err(format!("unexpected argument {flag:?}")),
        }
    }
    Ok(args)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args().unwrap_or_else(|e| {
        eprintln!("{e}\n{USAGE}");
        std::process::exit(2)
    });
    let mut lp = EventLoop::new()?;

    // The TCP chat: the same room as the page.
    let tcp = netcore_tcp::listen(&mut lp, &format!("127.0.0.1:{}", args.tcp), |s: &mut Socket<'_>| {
        TcpMember::join(s)
    })?;
    Room::set_tcp(&mut lp, tcp);
    let tcp_addr = tcp.address(&lp).ok_or("no address")?;
    let tcp_port = tcp_addr.port().unwrap_or(0);
    println!("tcp    listening on {tcp_addr}  (the chat room: nc 127.0.0.1 {tcp_port})");

    // HTTP: the page, the room's WebSocket and /dns, on one server (Node: `http.createServer`
    // with an `upgrade` listener handing `/chat` to a `ws` server in `noServer` mode).
    let mut options = ResolverOptions::default();
    options.servers = args.dns_server.map(|s| vec![s]);
    options.timeout = Some(Duration::from_secs(2));
    let resolver = Resolver::new(&mut lp, options);
    let http = netcore_http1::server::listen(
        &mut lp,
        &format!("127.0.0.1:{}", args.http),
        web::Site::new(resolver, tcp_port),
    )?;
    let http_addr = http.address(&lp).ok_or("no address")?;
    println!("http   listening on http://{http_addr}/  (the chat page; /dns?name=localhost)");
    println!("ws     listening on ws://{http_addr}/chat");

    // HTTPS: hello world with a certificate made now.
    let (identity, fingerprint) = netcore_examples::self_signed_identity()?;
    let config = netcore_tls::ServerOptions::new(identity).build()?;
    let https = netcore_tls::https::listen(
        &mut lp,
        &format!("127.0.0.1:{}", args.https),
        &config,
        |_: &Request<'_>, res: &mut Response<'_>| {
            res.set_status(200);
            res.end(b"hello world\n");
        },
    )?;
    let https_addr = https.address(&lp).ok_or("no address")?;
    println!("https  listening on https://{https_addr}/  (self-signed, SHA-256 {fingerprint})");

    // UDP echo.
    let udp = netcore_udp::bind(
        &mut lp,
        &format!("127.0.0.1:{}", args.udp),
        netcore_udp::on_message(|s, msg, rinfo| {
            let _ = s.send_to(msg, rinfo.address);
        }),
    )?;
    println!("udp    listening on {}  (echo)", udp.local_address(&lp).ok_or("no address")?);

    // Ctrl-C and SIGTERM: a graceful shutdown through the loop; a second signal exits at once.
    lp.set_state(Servers { http, https, tcp, udp, shutting_down: false });
    on_signal(&mut lp, Signal::Interrupt, shut_down)?;
    on_signal(&mut lp, Signal::Terminate, shut_down)?;

    println!("ready (Ctrl-C to stop)");
    lp.run()?;
    println!("bye");
    Ok(())
}

/// What a shutdown closes, in the loop's state.
struct Servers {
    http: netcore_http1::server::ServerId,
    https: netcore_http1::server::ServerId,
    tcp: netcore_tcp::ServerId,
    udp: netcore_udp::SocketId,
    shutting_down: bool,
}

/// Stops accepting everywhere and lets the connections end; the loop then has nothing left.
fn shut_down(lp: &mut EventLoop, signal: Signal) {
    let Some(servers) = lp.state_mut::<Servers>() else { return };
    if std::mem::replace(&mut servers.shutting_down, true) {
        eprintln!("{signal} again: exiting now");
        std::process::exit(130);
    }
    let Servers { http, https, tcp, udp, .. } = *servers;
    println!("{signal}: shutting down");
    Room::shut_down(lp);
    for server in [http, https] {
        server.close(lp);
        server.close_idle_connections(lp);
    }
    tcp.close(lp);
    udp.close(lp);
    // Whatever has not ended by then is cut off; the timer itself keeps nothing alive.
    let deadline = lp.set_timeout(SHUTDOWN_GRACE, |lp| {
        eprintln!("connections still open after {SHUTDOWN_GRACE:?}: stopping");
        lp.stop();
    });
    lp.unref_timer(deadline);
}
