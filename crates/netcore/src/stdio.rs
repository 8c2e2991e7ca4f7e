//! Standard input and output as streams on the loop: Node's `process.stdin` and
//! `process.stdout`, so that `process.stdin.pipe(socket)` and `socket.pipe(process.stdout)` read
//! as short here ([`pipe`](crate::stream::pipe)).
//!
//! Standard input may be a terminal, a pipe or a file, and epoll cannot wait on files, so a
//! [`ReadStream`] reads on a thread of its own (as libuv does for files and some terminals) and
//! posts each chunk to the loop. Flow control is by credit: the thread reads the next chunk only
//! once the loop has taken the last one and the stream is not paused, so at most one chunk
//! (64 KiB) is ever in flight, whatever the writer on the other side of a pipe does.
//!
//! As in Node, the stream reads nothing until it has a consumer ([`on_data`](ReadStream::on_data),
//! [`on_line`](ReadStream::on_line) or a pipe), and while it flows it keeps the loop alive;
//! [`unref`](ReadStream::unref) lets the loop end without waiting for the input's end.
//! Standard output is written synchronously, as Node does for files and terminals.
//!
//! ```
//! use netcore::stdio::ReadStream;
//! use netcore::EventLoop;
//!
//! let mut lp = EventLoop::new()?;
//! // `netcore::stdio::stdin(&mut lp)` reads the process's input; any `Read` works the same.
//! let input = ReadStream::spawn(&mut lp, &b"one\ntwo\nthree"[..]);
//! let mut seen = Vec::new();
//! input.on_line(&mut lp, move |_lp, line| match line {
//!     Some(line) => seen.push(line.to_string()),
//!     None => assert_eq!(seen, ["one", "two", "three"]),
//! });
//! lp.run()?;
//! # Ok::<(), std::io::Error>(())
//! ```
use std::io::{self, Read, Write};
use std::sync::mpsc;

use crate::framing::LineSplitter;
use crate::stream::{self, Readable, StreamHandle, Writable};
use crate::{EventLoop, HandleId, Ready};

/// The size of one read, as Node's stream `highWaterMark` for stdin.
pub const CHUNK_SIZE: usize = 64 * 1024;

/// The longest line [`ReadStream::on_line`] delivers (1 MiB); a longer one ends the stream.
pub const MAX_LINE: usize = 1 << 20;

type OnData = Box<dyn FnMut(&mut EventLoop, Option<&[u8]>)>;

/// A readable stream fed by a blocking reader on its own thread: standard input, or any
/// [`Read`]. See the [module docs](self).
///
/// ```
/// use std::{cell::RefCell, rc::Rc};
/// use netcore::stdio::ReadStream;
///
/// let mut lp = netcore::EventLoop::new()?;
/// let input = ReadStream::spawn(&mut lp, std::io::Cursor::new(vec![7u8; 100_000]));
/// let chunks = Rc::new(RefCell::new(Vec::new()));
/// let c = chunks.clone();
/// input.on_data(&mut lp, move |_lp, chunk| c.borrow_mut().push(chunk.map(<[u8]>::len)));
/// assert!(input.is_open(&lp));
/// lp.run()?; // the stream keeps the loop alive until the end of its input
/// // At most CHUNK_SIZE (64 KiB) per chunk, then `None` for the end.
/// assert_eq!(*chunks.borrow(), [Some(65_536), Some(34_464), None]);
/// assert!(!input.is_open(&lp));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadStream(HandleId);

struct ReadState {
    /// One unit of credit lets the thread read one more chunk.
    credit: mpsc::SyncSender<()>,
    /// The loop took a chunk while paused: the credit is owed until `resume`.
    owed: bool,
    paused: bool,
    started: bool,
    unrefed: bool,
    on_data: Option<OnData>,
}

/// What the reader thread posts.
enum Chunk {
    Data(Vec<u8>),
    End,
}

fn no_ready(_: &mut EventLoop, _: HandleId, _: Ready) {}

/// The process's standard input as a [`ReadStream`] (`process.stdin`).
pub fn stdin(lp: &mut EventLoop) -> ReadStream {
    ReadStream::spawn(lp, io::stdin())
}

impl ReadStream {
    /// A stream that reads `reader` on a new thread, once it has a consumer. A read error ends
    /// the stream, as an end of input would.
    pub fn spawn(lp: &mut EventLoop, mut reader: impl Read + Send + 'static) -> ReadStream {
        let (credit, granted) = mpsc::sync_channel::<()>(1);
        let state =
            ReadState { credit, owed: false, paused: true, started: false, unrefed: false, on_data: None };
        let id = lp.insert_handle(state, no_ready);
        lp.unref_handle(id);
        let remote = lp.remote();
        std::thread::spawn(move || {
            let mut buf = vec![0u8; CHUNK_SIZE];
            // Each unit of credit is one read; the loop going away (or the stream closing)
            // drops the sender and ends the thread at its next wait.
            while granted.recv().is_ok() {
                let chunk = loop {
                    match reader.read(&mut buf) {
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Ok(0) | Err(_) => break Chunk::End,
                        Ok(n) => break Chunk::Data(buf[..n].to_vec()),
                    }
                };
                let end = matches!(chunk, Chunk::End);
                if remote.post(move |lp| deliver(lp, id, chunk)).is_err() || end {
                    return;
                }
            }
        });
        ReadStream(id)
    }

    /// Calls `f` with each chunk, then once with `None` at the end of input (`on('data')` and
    /// `on('end')`), and starts the flow.
    pub fn on_data(self, lp: &mut EventLoop, f: impl FnMut(&mut EventLoop, Option<&[u8]>) + 'static) {
        if let Some(state) = lp.handle_mut::<ReadState>(self.0) {
            state.on_data = Some(Box::new(f));
        }
        self.resume(lp);
    }

    /// Calls `f` with each line (without its `\n` or `\r\n`; invalid UTF-8 replaced), the last
    /// one even without a newline, then once with `None` (Node's `readline` `line` and `close`),
    /// and starts the flow. A line longer than [`MAX_LINE`] ends the stream there.
    pub fn on_line(self, lp: &mut EventLoop, mut f: impl FnMut(&mut EventLoop, Option<&str>) + 'static) {
        let mut lines = LineSplitter::new(MAX_LINE);
        let mut done = false;
        self.on_data(lp, move |lp, chunk| {
            if done {
                return;
            }
            let mut complete = Vec::new();
            let ok = match chunk {
                Some(chunk) => lines.push(chunk, |line| complete.push(line.to_vec())).is_ok(),
                None => match lines.finish() {
                    Ok(last) => {
                        complete.extend(last.filter(|l| !l.is_empty()));
                        false
                    }
                    Err(_) => false,
                },
            };
            for line in complete {
                f(lp, Some(&String::from_utf8_lossy(&line)));
            }
            if !ok {
                done = true;
                f(lp, None);
                self.close(lp);
            }
        });
    }

    /// Lets the loop end while the stream waits for input (`process.stdin.unref()`).
    pub fn unref(self, lp: &mut EventLoop) {
        if let Some(state) = lp.handle_mut::<ReadState>(self.0) {
            state.unrefed = true;
        }
        lp.unref_handle(self.0);
    }

    /// Stops the stream: no more data is delivered and its thread ends after its current read.
    pub fn close(self, lp: &mut EventLoop) {
        stream::emit_close(lp, self.0);
        lp.remove_handle(self.0);
    }

    /// Whether the stream is still open (not ended or closed).
    pub fn is_open(self, lp: &EventLoop) -> bool {
        lp.handle::<ReadState>(self.0).is_some()
    }

    /// Grants the reader thread its next read, unless one is already granted.
    fn grant(lp: &mut EventLoop, id: HandleId) {
        if let Some(state) = lp.handle_mut::<ReadState>(id) {
            // The channel holds one unit: a full channel means a read is already granted.
            let _ = state.credit.try_send(());
        }
    }
}

/// A chunk (or the end) from the reader thread, on the loop.
fn deliver(lp: &mut EventLoop, id: HandleId, chunk: Chunk) {
    let Some(state) = lp.handle_mut::<ReadState>(id) else { return };
    let mut on_data = state.on_data.take();
    match chunk {
        Chunk::Data(data) => {
            if !stream::emit_data(lp, id, &data) {
                if let Some(f) = on_data.as_mut() {
                    f(lp, Some(&data));
                }
            }
            let Some(state) = lp.handle_mut::<ReadState>(id) else { return };
            if state.on_data.is_none() {
                state.on_data = on_data;
            }
            if state.paused {
                state.owed = true;
            } else {
                ReadStream::grant(lp, id);
            }
        }
        Chunk::End => {
            lp.remove_handle(id);
            if !stream::emit_end(lp, id) {
                if let Some(f) = on_data.as_mut() {
                    f(lp, None);
                }
            }
            stream::emit_close(lp, id);
        }
    }
}

impl StreamHandle for ReadStream {
    fn handle_id(self) -> HandleId {
        self.0
    }
}

impl Readable for ReadStream {
    fn pause(self, lp: &mut EventLoop) {
        if let Some(state) = lp.handle_mut::<ReadState>(self.0) {
            state.paused = true;
        }
        lp.unref_handle(self.0);
    }

    fn resume(self, lp: &mut EventLoop) {
        let Some(state) = lp.handle_mut::<ReadState>(self.0) else { return };
        let grant = !std::mem::replace(&mut state.started, true) || std::mem::take(&mut state.owed);
        state.paused = false;
        let unrefed = state.unrefed;
        if !unrefed {
            lp.ref_handle(self.0);
        }
        if grant {
            ReadStream::grant(lp, self.0);
        }
    }
}

/// The process's standard output as a writable stream (`process.stdout`), for
/// [`pipe`](crate::stream::pipe). Writes are synchronous and always accepted (`write` returns
/// true); a closed output (`EPIPE`, a reader that went away) drops what is written. Ending it
/// flushes it but leaves it open, as Node does.
///
/// ```
/// use netcore::stdio::{stdout, ReadStream};
/// use netcore::stream::{pipe, PipeOptions};
///
/// let mut lp = netcore::EventLoop::new()?;
/// let input = ReadStream::spawn(&mut lp, &b"printed by the pipe\n"[..]);
/// let out = stdout(&mut lp);
/// pipe(&mut lp, input, out, PipeOptions::default()); // `input.pipe(process.stdout)`
/// lp.run()?;
/// assert!(!input.is_open(&lp));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stdout(HandleId);

/// The process's standard output on this loop.
pub fn stdout(lp: &mut EventLoop) -> Stdout {
    let id = lp.insert_handle((), no_ready);
    lp.unref_handle(id);
    Stdout(id)
}

impl StreamHandle for Stdout {
    fn handle_id(self) -> HandleId {
        self.0
    }
}

impl Writable for Stdout {
    fn write(self, _lp: &mut EventLoop, data: &[u8]) -> bool {
        let mut out = io::stdout().lock();
        let _ = out.write_all(data).and_then(|()| out.flush());
        true
    }

    fn end(self, lp: &mut EventLoop) {
        let _ = io::stdout().flush();
        stream::emit_close(lp, self.0);
        lp.remove_handle(self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::rc::Rc;

    /// A writable that takes `room` bytes, then says false until drained by hand.
    #[derive(Clone, Copy)]
    struct Sink(HandleId);

    struct SinkState {
        got: Vec<u8>,
        room: usize,
        ended: bool,
    }

    impl StreamHandle for Sink {
        fn handle_id(self) -> HandleId {
            self.0
        }
    }

    impl Writable for Sink {
        fn write(self, lp: &mut EventLoop, data: &[u8]) -> bool {
            let s = lp.handle_mut::<SinkState>(self.0).expect("sink");
            s.got.extend_from_slice(data);
            s.got.len() < s.room
        }
        fn end(self, lp: &mut EventLoop) {
            lp.handle_mut::<SinkState>(self.0).expect("sink").ended = true;
        }
    }

    #[test]
    fn chunks_then_the_end_reach_on_data() {
        let mut lp = EventLoop::new().expect("loop");
        let input: Vec<u8> = (0..200_000u32).map(|i| i as u8).collect();
        let expected = input.clone();
        let stream = ReadStream::spawn(&mut lp, io::Cursor::new(input));
        let got = Rc::new(RefCell::new((Vec::new(), false)));
        let g = got.clone();
        stream.on_data(&mut lp, move |_, chunk| match chunk {
            Some(c) => g.borrow_mut().0.extend_from_slice(c),
            None => g.borrow_mut().1 = true,
        });
        lp.run().expect("run");
        let (bytes, ended) = got.borrow().clone();
        assert_eq!(bytes, expected);
        assert!(ended);
        assert!(!stream.is_open(&lp));
        assert_eq!(lp.handle_count(), 0);
    }

    #[test]
    fn nothing_is_read_without_a_consumer_and_the_loop_does_not_wait() {
        let mut lp = EventLoop::new().expect("loop");
        let stream = ReadStream::spawn(&mut lp, io::Cursor::new(b"unread".to_vec()));
        lp.run().expect("run: returns at once, the stream is not flowing");
        assert!(stream.is_open(&lp));
        stream.close(&mut lp);
    }

    #[test]
    fn a_pipe_pauses_the_reader_at_the_writables_high_water_mark() {
        let mut lp = EventLoop::new().expect("loop");
        // 10 chunks' worth of input; the sink fills after the first chunk.
        let input = vec![7u8; CHUNK_SIZE * 10];
        // A pipe (not a cursor) so reads return at most what one write put in.
        let (rx, mut tx) = std::os::unix::net::UnixStream::pair().expect("pair");
        let writer = std::thread::spawn(move || {
            let _ = tx.write_all(&input);
        });
        let stream = ReadStream::spawn(&mut lp, rx);
        let sink_id = lp.insert_handle(SinkState { got: Vec::new(), room: 1, ended: false }, no_ready);
        lp.unref_handle(sink_id);
        let sink = Sink(sink_id);
        stream::pipe(&mut lp, stream, sink, stream::PipeOptions::default());
        // The first chunk arrives and fills the sink: the stream is paused, nothing else comes.
        lp.run().expect("run");
        let first = lp.handle::<SinkState>(sink_id).expect("sink").got.len();
        assert!(first > 0 && first <= CHUNK_SIZE, "one chunk, then paused: {first}");
        // Drain it for good: the rest flows and the end ends the sink.
        lp.handle_mut::<SinkState>(sink_id).expect("sink").room = usize::MAX;
        stream::emit_drain(&mut lp, sink_id);
        lp.run().expect("run");
        writer.join().expect("writer");
        let s = lp.handle::<SinkState>(sink_id).expect("sink");
        assert_eq!(s.got.len(), CHUNK_SIZE * 10);
        assert!(s.ended);
    }

    #[test]
    fn lines_are_split_and_the_last_unterminated_one_is_kept() {
        let mut lp = EventLoop::new().expect("loop");
        let stream = ReadStream::spawn(&mut lp, io::Cursor::new(b"a\r\nb\n\nlast".to_vec()));
        let seen = Rc::new(RefCell::new(Vec::new()));
        let s = seen.clone();
        stream.on_line(&mut lp, move |_, line| s.borrow_mut().push(line.map(str::to_string)));
        lp.run().expect("run");
        let want: Vec<Option<String>> =
            vec![Some("a".into()), Some("b".into()), Some("".into()), Some("last".into()), None];
        assert_eq!(*seen.borrow(), want);
    }

    #[test]
    fn an_overlong_line_ends_the_stream() {
        let mut lp = EventLoop::new().expect("loop");
        let mut input = vec![b'x'; MAX_LINE + 10];
        input.extend_from_slice(b"\nnext\n");
        let stream = ReadStream::spawn(&mut lp, io::Cursor::new(input));
        let seen = Rc::new(RefCell::new(Vec::new()));
        let s = seen.clone();
        stream.on_line(&mut lp, move |_, line| s.borrow_mut().push(line.map(str::len)));
        lp.run().expect("run");
        assert_eq!(*seen.borrow(), vec![None]);
        assert!(!stream.is_open(&lp));
    }
}
