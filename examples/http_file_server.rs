//! A static file server: the seed's
//! `http.createServer((req, res) => fs.createReadStream(path.join(dir, req.url)).pipe(res))`,
//! plus what that one-liner leaves out: the path cannot leave `DIR` (`..`, `%2e%2e`, symlinks),
//! a directory serves its `index.html`, and `HEAD`, byte ranges and `Content-Type` work.
//!
//! `cargo run --release --example http_file_server DIR [PORT]` (default 8000), then
//! `curl -r 0-99 localhost:8000/some/file`.
//!
//! As with `createReadStream`, a file is read in 64 KiB chunks on the thread pool
//! ([`EventLoop::queue_work`], libuv's fs work), one read in flight per response. A chunk the
//! connection cannot take yet (`write` returned false) parks the transfer until `on_drain`: a
//! slow client costs a couple of chunks, not the file. If the client goes away first, the
//! response's `on_response_close` (Node's `res.on('close')` with `writableFinished` false) drops
//! a parked transfer, and a read in flight finds the response over: either way the file is
//! closed and no more is read. Pipelined requests are answered one at a time: the connection
//! reads no further request until the response has ended.
//!
//! Ranges (RFC 9110 §14): one `bytes=a-b`, `a-` or `-n` gets 206, one past the end 416. A list of
//! ranges (it would need `multipart/byteranges`), `If-Range`, or `Range` on `HEAD` gets the
//! whole file with 200, as §14.2 allows.
use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs::{File, Metadata};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use netcore::EventLoop;
use netcore_http1::proto::encode::{canonical_reason, imf_fixdate};
use netcore_http1::server::{listen, Handler, Request, RequestId, Response, ResponseId};

/// The size of one read, as `createReadStream`'s `highWaterMark`.
const CHUNK: usize = 64 * 1024;

/// One connection's handler: the directory served.
#[derive(Clone)]
struct FileServer {
    root: Arc<Path>,
}

impl Handler for FileServer {
    fn on_request(&mut self, _req: &Request<'_>, _res: &mut Response<'_>) {
        // Everything happens at `on_end`: then the request (and any body it had) is read.
    }

    fn on_end(&mut self, req: &Request<'_>, res: &mut Response<'_>) {
        let ex = Exchange { req: req.id(), res: res.id() };
        let head = match req.method() {
            "GET" => false,
            "HEAD" => true,
            _ => return refuse(ex, res.lp(), 405),
        };
        let rel = match url_path(req.target()) {
            Ok(rel) => rel,
            Err(status) => return refuse(ex, res.lp(), status),
        };
        let headers = req.headers();
        let single = !head && headers.get_all("range").count() == 1 && !headers.contains("if-range");
        let range = headers.get("range").filter(|_| single).map(|r| String::from_utf8_lossy(r).into_owned());
        // One response at a time: a pipelined request waits until this one has ended.
        ex.req.pause(res.lp());
        let root = self.root.clone();
        res.lp().queue_work(move || open(&root, &rel), move |lp, file| respond(lp, ex, file, head, range));
    }

    fn on_drain(&mut self, res: &mut Response<'_>) {
        let id = res.id();
        if let Some(transfer) = res.lp().state_mut::<Parked>().and_then(|p| p.0.remove(&id)) {
            transfer.read_next(res.lp());
        }
    }

    fn on_response_close(&mut self, lp: &mut EventLoop, res: ResponseId, finished: bool) {
        // The client went away: a transfer parked for a `drain` that will never come is dropped
        // (and its file closed).
        if let Some(parked) = lp.state_mut::<Parked>().filter(|_| !finished) {
            parked.0.remove(&res);
        }
    }
}

/// A request and its response, as the thread pool's completions on the loop know them.
#[derive(Clone, Copy)]
struct Exchange {
    req: RequestId,
    res: ResponseId,
}

impl Exchange {
    /// Ends the response and lets the connection read its next request.
    fn end(self, lp: &mut EventLoop, body: &[u8]) {
        self.res.end(lp, body);
        self.req.resume(lp);
    }
}

/// Transfers waiting for their connection's `drain`, in the loop's state: a thread-pool job's
/// completion reaches the loop, not the connection's handler, so this is where it leaves them.
#[derive(Default)]
struct Parked(HashMap<ResponseId, Transfer>);

/// A file response under way. It travels: to the thread pool for each read, back to the loop to
/// write the chunk, and into [`Parked`] while the connection drains.
struct Transfer {
    ex: Exchange,
    file: File,
    pos: u64,
    end: u64,
    buf: Vec<u8>,
}

impl Transfer {
    /// Reads the next chunk on the thread pool; [`on_read`](Self::on_read) gets it on the loop.
    fn read_next(mut self, lp: &mut EventLoop) {
        let work = move || {
            let n = (self.end - self.pos).min(CHUNK as u64) as usize;
            let read = self.file.read_at(&mut self.buf[..n], self.pos);
            (self, read)
        };
        lp.queue_work(work, |lp, (transfer, read)| transfer.on_read(lp, read));
    }

    /// Writes the chunk read; reads the next one now, or parks until the connection drains.
    fn on_read(mut self, lp: &mut EventLoop, read: io::Result<usize>) {
        let res = self.ex.res;
        if res.finished(lp) {
            return; // The client went away; dropping `self` closes the file.
        }
        let n = match read {
            Ok(n) if n > 0 => n,
            // The file shrank or failed after a `Content-Length` went out: only cutting the
            // connection tells the client (Node's `pipe` leaves the same choice).
            _ => return res.socket().destroy(lp),
        };
        self.pos += n as u64;
        if self.pos == self.end {
            self.ex.end(lp, &self.buf[..n]);
        } else if res.write(lp, &self.buf[..n]) {
            self.read_next(lp);
        } else {
            lp.state_or_default::<Parked>().0.insert(res, self);
        }
    }
}

/// An opened file, its metadata and its `Content-Type`.
type Opened = (File, Metadata, &'static str);

/// Resolves `rel` under `root` (canonical) and opens it, on the thread pool. Symlinks are resolved
/// first, so one pointing outside `root` is refused like `..` (403); anything unreadable is 404.
/// (Someone who can write inside `root` could swap a symlink in between: a race this ignores.)
fn open(root: &Path, rel: &Path) -> Result<Opened, u16> {
    let status = |_: io::Error| 404u16;
    let mut path = root.join(rel).canonicalize().map_err(status)?;
    if path.is_dir() {
        path = path.join("index.html").canonicalize().map_err(status)?;
    }
    if !path.starts_with(root) {
        return Err(403);
    }
    // Not a FIFO or a device: opening one could block a pool thread for good.
    if !path.is_file() {
        return Err(404);
    }
    let file = File::open(&path).map_err(status)?;
    let meta = file.metadata().map_err(status)?;
    Ok((file, meta, content_type(&path)))
}

/// Sends the head for the opened file (or the error status) and starts the body.
fn respond(lp: &mut EventLoop, ex: Exchange, file: Result<Opened, u16>, head: bool, range: Option<String>) {
    let id = ex.res;
    let (file, meta, content_type) = match file {
        Ok(opened) => opened,
        Err(status) => return refuse(ex, lp, status),
    };
    let size = meta.len();
    let (start, end) = match range.map_or(Span::Whole, |r| byte_range(&r, size)) {
        Span::Whole => (0, size),
        Span::Part(start, end) => {
            id.set_status(lp, 206);
            id.set_header(lp, "Content-Range", format!("bytes {start}-{}/{size}", end - 1)).ok();
            (start, end)
        }
        Span::Unsatisfiable => {
            id.set_header(lp, "Content-Range", format!("bytes */{size}")).ok();
            return refuse(ex, lp, 416);
        }
    };
    id.set_header(lp, "Content-Type", content_type).ok();
    id.set_header(lp, "Content-Length", (end - start).to_string()).ok();
    id.set_header(lp, "Accept-Ranges", "bytes").ok();
    if let Ok(modified) = meta.modified() {
        id.set_header(lp, "Last-Modified", imf_fixdate(modified)).ok();
    }
    if head || start == end {
        return ex.end(lp, b"");
    }
    Transfer { ex, file, pos: start, end, buf: vec![0; CHUNK] }.read_next(lp);
}

/// Answers with a status and its reason phrase; `405` lists the methods served (RFC 9110 §15.5.6).
fn refuse(ex: Exchange, lp: &mut EventLoop, status: u16) {
    let id = ex.res;
    id.set_status(lp, status);
    if status == 405 {
        id.set_header(lp, "Allow", "GET, HEAD").ok();
    }
    id.set_header(lp, "Content-Type", "text/plain; charset=utf-8").ok();
    ex.end(lp, format!("{}\n", canonical_reason(status).unwrap_or_default()).as_bytes());
}

/// The request target's path as a path relative to the root. It is percent-decoded (RFC 3986
/// §2.1) before it is split, so `%2e%2e` and `%2f` are seen for what they are: `..` is 403, a
/// target that is not a path or holds a bad escape or NUL is 400. The query is ignored.
fn url_path(target: &str) -> Result<PathBuf, u16> {
    let path = target.split('?').next().unwrap_or_default();
    // The absolute form `http://host/path` names the same path (RFC 9112 §3.2.2).
    let path = match path.split_once("://") {
        Some((_, rest)) if !path.starts_with('/') => rest.find('/').map_or("/", |i| &rest[i..]),
        _ => path,
    };
    let raw = path.strip_prefix('/').ok_or(400u16)?.as_bytes();
    let mut decoded = Vec::with_capacity(raw.len());
    let mut bytes = raw.iter().copied();
    while let Some(b) = bytes.next() {
        let hex = |d: Option<u8>| d.and_then(|d| (d as char).to_digit(16));
        decoded.push(match b {
            b'%' => match (hex(bytes.next()), hex(bytes.next())) {
                (Some(hi), Some(lo)) => (hi * 16 + lo) as u8,
                _ => return Err(400),
            },
            b => b,
        });
    }
    if decoded.contains(&0) {
        return Err(400);
    }
    let mut rel = PathBuf::new();
    for segment in decoded.split(|&b| b == b'/') {
        match segment {
            b"" | b"." => {}
            b".." => return Err(403),
            name => rel.push(OsStr::from_bytes(name)),
        }
    }
    Ok(rel)
}

/// What a `Range` header asks of a file (RFC 9110 §14.1.2); `Part` ends are exclusive.
enum Span {
    Whole,
    Part(u64, u64),
    Unsatisfiable,
}

/// Parses one `Range` value against a file of `size` bytes. Anything but a single valid byte
/// range (another unit, a list, bad syntax) is ignored: the whole file is sent (§14.2 allows it).
fn byte_range(value: &str, size: u64) -> Span {
    let value = value.trim();
    let spec = value.get(..6).filter(|unit| unit.eq_ignore_ascii_case("bytes=")).map(|_| &value[6..]);
    let Some((first, last)) = spec.filter(|s| !s.contains(',')).and_then(|s| s.split_once('-')) else {
        return Span::Whole;
    };
    let (first, last) = (first.trim(), last.trim());
    let number = |s: &str| s.bytes().all(|b| b.is_ascii_digit()).then(|| s.parse::<u64>().ok()).flatten();
    let (start, last) = match (number(first), number(last)) {
        // `-n`: the last n bytes; `-0` and any suffix of an empty file select nothing.
        (None, Some(0)) if first.is_empty() => return Span::Unsatisfiable,
        (None, Some(n)) if first.is_empty() => (size.saturating_sub(n), u64::MAX),
        (Some(a), None) if last.is_empty() => (a, u64::MAX),
        (Some(a), Some(b)) if a <= b => (a, b),
        _ => return Span::Whole,
    };
    if start >= size {
        Span::Unsatisfiable
    } else {
        Span::Part(start, last.min(size - 1) + 1)
    }
}

/// The `Content-Type` for a file name's extension.
fn content_type(path: &Path) -> &'static str {
    let ext = path.extension().and_then(OsStr::to_str).unwrap_or_default().to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "svg" => "image/svg+xml",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).ok_or("usage: http_file_server DIR [PORT]")?;
    let root: Arc<Path> = std::fs::canonicalize(&dir).map_err(|e| format!("{dir}: {e}"))?.into();
    if !root.is_dir() {
        return Err(format!("{dir}: not a directory").into());
    }
    let mut lp = EventLoop::new()?;
    let addr = format!("127.0.0.1:{}", netcore_examples::port_at(2, 8000));
    let server = listen(&mut lp, &addr, FileServer { root })?;
    println!("listening on {}", server.address(&lp).ok_or("no address")?);
    lp.run()?;
    Ok(())
}
