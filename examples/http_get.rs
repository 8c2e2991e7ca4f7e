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
//! `-f`).
use std::cell::Cell;
use std::io::Write;
use std::rc::Rc;

use bytes::Bytes;
use netcore::EventLoop;
use netcore_http1::client::{get, ClientRequest, Error, ResponseHandler};
use netcore_http1::proto::ResponseHead;

/// Prints one response to stdout; `failed` tells `main` how it went.
struct Print {
    include_head: bool,
    failed: Rc<Cell<bool>>,
}

impl Print {
    /// Writes to stdout now (the loop waits: that is the backpressure). A reader that went away
    /// (`http_get URL | head -c 10`) ends the request quietly; any other write error is reported.
    fn out(&self, req: &mut ClientRequest<'_>, bytes: &[u8]) {
        let mut stdout = std::io::stdout().lock();
        if let Err(e) = stdout.write_all(bytes).and_then(|()| stdout.flush()) {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                eprintln!("error: stdout: {e}");
            }
            self.failed.set(true);
            req.destroy();
        }
    }

    /// `HTTP/1.1 200 OK` and the header fields, each line ending CRLF, then the empty line.
    fn head(&self, req: &mut ClientRequest<'_>, res: &ResponseHead) {
        let mut head =
            format!("HTTP/{} {} {}\r\n", res.version().as_str(), res.status(), res.reason()).into_bytes();
        for (name, value) in res.headers().iter() {
            head.extend_from_slice(name.as_bytes());
            head.extend_from_slice(b": ");
            head.extend_from_slice(value);
            head.extend_from_slice(b"\r\n");
        }
        head.extend_from_slice(b"\r\n");
        self.out(req, &head);
    }
}

impl ResponseHandler for Print {
    fn on_information(&mut self, req: &mut ClientRequest<'_>, info: &ResponseHead) {
        if self.include_head {
            self.head(req, info);
        }
    }

    fn on_response(&mut self, req: &mut ClientRequest<'_>, res: &ResponseHead) {
        if self.include_head {
            self.head(req, res);
        }
    }

    fn on_data(&mut self, req: &mut ClientRequest<'_>, data: Bytes) {
        self.out(req, &data);
    }

    fn on_error(&mut self, _req: &mut ClientRequest<'_>, error: &Error) {
        // `Display` gives the message and Node's code: "connection to … refused (ECONNREFUSED)".
        eprintln!("error: {error}");
        self.failed.set(true);
    }
}

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
    if let Err(e) = get(&mut lp, &url, Print { include_head, failed: failed.clone() }) {
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
