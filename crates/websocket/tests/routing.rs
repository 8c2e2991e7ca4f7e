//! A [`Router`]: several paths on one server, each with its own handlers, standalone
//! ([`listen_router`]) and on a `netcore-http1` server's `upgrade` event; 404 for other paths.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::cell::RefCell;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::rc::Rc;
use std::time::Duration;

use bytes::Bytes;
use netcore::EventLoop;
use netcore_http1::proto::RequestHead;
use netcore_http1::server::{Handler, Request, Response, Upgrade};
use netcore_websocket::client::{connect, ClientOptions};
use netcore_websocket::server::{listen_router, Router, ServerOptions};
use netcore_websocket::{WebSocket, WebSocketHandler};

/// A loop that panics if a test runs for 20 s (the timer does not keep the loop alive).
fn new_loop() -> EventLoop {
    let mut lp = EventLoop::new().unwrap();
    let t = lp.set_timeout(Duration::from_secs(20), |_| panic!("the test hung"));
    lp.unref_timer(t);
    lp
}

/// A connection's handler that only takes messages.
type OnMessage = Box<dyn FnMut(&mut WebSocket<'_>, Bytes, bool)>;

/// What runs when a client connection is gone.
type Finish = Box<dyn FnOnce(&mut EventLoop)>;

/// A route's handler: answers every message with `prefix` and the message.
fn answering(prefix: &'static str) -> impl FnMut(&RequestHead) -> OnMessage {
    move |_head: &RequestHead| {
        Box::new(move |ws: &mut WebSocket<'_>, data: Bytes, _binary: bool| {
            ws.send_text(&format!("{prefix}{}", String::from_utf8_lossy(&data)));
        })
    }
}

/// A client that sends "hi", records the answer, closes, and runs `finish` once gone.
struct Client {
    answers: Rc<RefCell<Vec<String>>>,
    finish: Option<Finish>,
}

impl WebSocketHandler for Client {
    fn on_open(&mut self, ws: &mut WebSocket<'_>) {
        ws.send_text("hi");
    }

    fn on_message(&mut self, ws: &mut WebSocket<'_>, data: Bytes, _is_binary: bool) {
        self.answers.borrow_mut().push(String::from_utf8(data.to_vec()).unwrap());
        ws.close(1000, "").unwrap();
    }

    fn on_close(&mut self, lp: &mut EventLoop, _code: u16, _reason: &[u8]) {
        if let Some(finish) = self.finish.take() {
            finish(lp);
        }
    }
}

#[test]
fn each_path_gets_its_own_handler() {
    let mut lp = new_loop();
    let heads = Rc::new(RefCell::new(Vec::new()));
    let seen = heads.clone();
    let router = Router::new()
        .route("/chat", move |head: &RequestHead| {
            // A factory is shared by all connections: it sees every head for its path.
            seen.borrow_mut().push(head.target().to_owned());
            |ws: &mut WebSocket<'_>, data: Bytes, _binary: bool| {
                ws.send_text(&format!("chat: {}", String::from_utf8_lossy(&data)));
            }
        })
        .route("/echo", answering("echo: "))
        .route("/chat", answering("never: "));
    assert!(router.matches("/chat?room=1") && router.matches("/echo") && !router.matches("/chat/"));
    let server = listen_router(&mut lp, "127.0.0.1:0", ServerOptions::default(), router).unwrap();
    let addr = server.address(&lp).unwrap();
    let answers = Rc::new(RefCell::new(Vec::new()));
    let left = Rc::new(RefCell::new(3));
    for path in ["/chat?room=1", "/echo", "/chat"] {
        let left = left.clone();
        let finish = move |lp: &mut EventLoop| {
            *left.borrow_mut() -= 1;
            if *left.borrow() == 0 {
                server.close(lp);
            }
        };
        let client = Client { answers: answers.clone(), finish: Some(Box::new(finish)) };
        connect(&mut lp, &format!("ws://{addr}{path}"), ClientOptions::default(), client).unwrap();
    }
    lp.run().unwrap();
    let mut answers = answers.borrow().clone();
    answers.sort();
    assert_eq!(answers, ["chat: hi", "chat: hi", "echo: hi"]);
    let mut heads = heads.borrow().clone();
    heads.sort();
    assert_eq!(heads, ["/chat", "/chat?room=1"]);
}

/// Sends `request` on a new connection to `addr`; returns the response head.
fn raw(addr: &str, request: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut head = Vec::new();
    let mut byte = [0];
    while !head.ends_with(b"\r\n\r\n") {
        s.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    String::from_utf8(head).unwrap()
}

fn upgrade(path: &str) -> String {
    format!(
        "GET {path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
}

/// The status line's code.
fn status(head: &str) -> &str {
    head.split(' ').nth(1).unwrap()
}

#[test]
fn a_standalone_router_answers_other_paths_404() {
    let (addr, stop) = common::serve(|lp| {
        let router = Router::new().route("/chat", answering("")).route("/a/b", answering(""));
        let server = listen_router(lp, "127.0.0.1:0", ServerOptions::default(), router).unwrap();
        server.address(lp).unwrap().to_string()
    });
    // Exact matches only, the query aside.
    for path in ["/chat", "/chat?x=1", "/a/b", "/a/b?"] {
        assert_eq!(status(&raw(&addr, &upgrade(path))), "101", "{path}");
    }
    for path in ["/", "/chat/", "/Chat", "/chat/1", "/a", "/a/b/", "/ch", "/chat%20"] {
        let head = raw(&addr, &upgrade(path));
        assert_eq!(status(&head), "404", "{path}: {head}");
        assert!(head.contains("Connection: close"), "{head}");
    }
    // Plain HTTP is still `ws`'s 426, on a routed path or not.
    for path in ["/chat", "/nope"] {
        let head = raw(&addr, &format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n"));
        assert_eq!(status(&head), "426", "{path}: {head}");
    }
    stop();
}

/// An HTTP application routing its upgrades (`ws`'s `noServer` with `handleUpgrade`).
#[derive(Clone)]
struct App {
    router: Router,
}

impl Handler for App {
    fn on_request(&mut self, _req: &Request<'_>, res: &mut Response<'_>) {
        res.end(b"plain HTTP here\n");
    }

    fn on_upgrade(&mut self, up: &mut Upgrade<'_>) -> bool {
        let _ = self.router.handle_upgrade(up, &ServerOptions::default());
        true
    }
}

#[test]
fn a_router_serves_an_http_servers_upgrades() {
    let (addr, stop) = common::serve(|lp| {
        let app = App { router: Router::new().route("/ws", answering("")) };
        let server = netcore_http1::server::listen(lp, "127.0.0.1:0", app).unwrap();
        server.address(lp).unwrap().to_string()
    });
    assert_eq!(status(&raw(&addr, "GET /ws HTTP/1.1\r\nHost: x\r\n\r\n")), "200");
    assert_eq!(status(&raw(&addr, &upgrade("/ws?token=1"))), "101");
    assert_eq!(status(&raw(&addr, &upgrade("/other"))), "404");
    stop();
}

#[test]
fn the_path_option_still_answers_400() {
    // `ServerOptions::path` is unchanged (`ws`'s `path`: 400), and applies behind a router too.
    let (addr, stop) = common::serve(|lp| {
        let mut options = ServerOptions::default();
        options.path = Some("/chat".to_owned());
        let router = Router::new().route("/chat", answering("")).route("/other", answering(""));
        let server = listen_router(lp, "127.0.0.1:0", options, router).unwrap();
        server.address(lp).unwrap().to_string()
    });
    assert_eq!(status(&raw(&addr, &upgrade("/chat"))), "101");
    assert_eq!(status(&raw(&addr, &upgrade("/other"))), "400");
    assert_eq!(status(&raw(&addr, &upgrade("/nope"))), "404");
    stop();
}
