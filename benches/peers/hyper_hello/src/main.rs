//! hyper's HTTP/1.1 hello world on a tokio current-thread runtime: the peer our `http_hello`
//! example is measured against in benches/compare-http.sh. Every request gets the same bytes as
//! ours: status 200, `Content-Type: text/plain`, body `Hello, world!\n`; connections stay alive
//! (hyper's default for HTTP/1.1).
//!
//!   hyper_hello [PORT]    PORT defaults to 3000; 0 picks a free port.
//!
//! Binds 127.0.0.1 and prints `listening on 127.0.0.1:PORT` (the real port) once listening.

use std::convert::Infallible;
use std::io::Write;
use std::net::SocketAddr;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

const BODY: &[u8] = b"Hello, world!\n";

async fn hello(_req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let mut res = Response::new(Full::new(Bytes::from_static(BODY)));
    res.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    Ok(res)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = match std::env::args().nth(1) {
        None => 3000,
        Some(arg) => arg
            .parse()
            .map_err(|_| format!("hyper_hello: bad port {arg:?}"))?,
    };
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening on {}", listener.local_addr()?)?;
    stdout.flush()?;

    loop {
        // Accept errors (EMFILE under the idle test, a reset before accept) are per connection:
        // keep serving the others.
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        tokio::task::spawn(async move {
            // A client that goes away mid-request is its own problem, not the server's.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service_fn(hello))
                .await;
        });
    }
}
