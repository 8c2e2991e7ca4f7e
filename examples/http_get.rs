//! A tiny curl: the seed's `http.get(url, res => res.pipe(process.stdout))` with our client.
//!
//! `cargo run --release --example http_get URL [-i]`, e.g.
//! `cargo run --release --example http_get http://localhost:3000/ -i`.
//!
//! The body goes to stdout byte for byte (binary-safe) as each piece arrives: nothing is collected
//! first, and while stdout is slow to take a piece the socket is not read, so TCP flow control
//! holds the server back. With `-i`, as `curl -i`, the response head comes first: each interim
//! (1xx) response, then the status line with the version and reason phrase as received, the
//! header fields as received (their case and order: Node's `rawHeaders`), and an empty line. The
//! head's lines end with CRLF, as on the wire and in curl's output; the head is rebuilt from the
//! parsed fields, so obsolete line folding or bare-LF line ends a server sent come out normalised.
//!
//! A failure (refused connection, unknown host, a response cut short, a bad URL…) prints the error
//! with its Node code, e.g. `error: connection to 127.0.0.1:1 refused (ECONNREFUSED)`, on stderr
//! and exits with status 1. Any status code the server answers with is a success (curl without
//! `-f`). An `https://` URL is refused with `ERR_INVALID_PROTOCOL`, as by Node's `http.get`: use
//! the `https_get` example.
use std::cell::Cell;
use std::rc::Rc;

use netcore::EventLoop;
use netcore_examples::PrintResponse;
use netcore_http1::client::get;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut url = None;
    let mut include_head = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "-i" | "--include" => include_head = true,
            _ if url.is_none() => url = Some(arg),
            _ => return Err("usage: http_get URL [-i]".into()),
        }
    }
    let url = url.ok_or("usage: http_get URL [-i]")?;
    let mut lp = EventLoop::new()?;
    let failed = Rc::new(Cell::new(false));
    if let Err(e) = get(&mut lp, &url, PrintResponse::new(include_head, failed.clone())) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
    // The loop ends when the response has (the global agent's idle socket does not hold it).
    lp.run()?;
    if failed.get() {
        std::process::exit(1);
    }
    Ok(())
}
