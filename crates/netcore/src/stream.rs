//! The stream vocabulary every layer shares (Node's streams), and `pipe`.
//!
//! A **readable** emits data chunks and then an end, and can be paused and resumed; a
//! **writable** accepts writes, answers `false` once its queue passes the high-water mark, emits
//! drain when the queue has emptied, and can be ended. Handles are small `Copy` ids; every
//! operation takes the loop, which owns all state.
//!
//! [`pipe`] connects any readable to any writable with backpressure both ways: when the writable
//! says `false` the readable is paused, when it drains the readable resumes, and the readable's end
//! ends the writable (unless [`PipeOptions::end`] is false). Implementors of the traits call
//! [`emit_data`], [`emit_end`], [`emit_drain`] and [`emit_close`] at the matching moments so that
//! pipes attached to them work.

use std::collections::HashMap;
use std::rc::Rc;

use crate::{EventLoop, HandleId};

/// A stream living on the loop, named by its handle.
pub trait StreamHandle: Copy + 'static {
    /// The loop handle this stream lives in.
    fn handle_id(self) -> HandleId;
}

/// The readable side of a stream: `data` chunks, then `end`; `pause` and `resume`.
///
/// An implementor hands each chunk to [`emit_data`] first (its own data handler gets it only if
/// that returns false), and a pipe calls `pause` and `resume` for backpressure:
///
/// ```
/// use netcore::stream::{self, pipe, PipeOptions, Readable, StreamHandle, Writable};
/// use netcore::{EventLoop, HandleId};
///
/// /// A readable whose state is one flag: whether it is flowing.
/// #[derive(Clone, Copy)]
/// struct Source(HandleId);
/// impl StreamHandle for Source {
///     fn handle_id(self) -> HandleId { self.0 }
/// }
/// impl Readable for Source {
///     fn pause(self, lp: &mut EventLoop) { *lp.handle_mut::<bool>(self.0).unwrap() = false; }
///     fn resume(self, lp: &mut EventLoop) { *lp.handle_mut::<bool>(self.0).unwrap() = true; }
/// }
/// # /// A writable that is full past 4 bytes.
/// # #[derive(Clone, Copy)]
/// # struct Small(HandleId);
/// # impl StreamHandle for Small {
/// #     fn handle_id(self) -> HandleId { self.0 }
/// # }
/// # impl Writable for Small {
/// #     fn write(self, lp: &mut EventLoop, data: &[u8]) -> bool {
/// #         let queued = lp.handle_mut::<Vec<u8>>(self.0).unwrap();
/// #         queued.extend_from_slice(data);
/// #         queued.len() < 4
/// #     }
/// #     fn end(self, _: &mut EventLoop) {}
/// # }
/// let mut lp = EventLoop::new()?;
/// let src = Source(lp.insert_handle(false, |_, _, _| {}));
/// let dst = Small(lp.insert_handle(Vec::<u8>::new(), |_, _, _| {})); // full past 4 bytes
/// let flowing = |lp: &EventLoop| *lp.handle::<bool>(src.0).unwrap();
/// pipe(&mut lp, src, dst, PipeOptions::default());
/// assert!(flowing(&lp)); // piping starts the flow
/// assert!(stream::emit_data(&mut lp, src.0, b"hello")); // taken by the pipe
/// assert!(!flowing(&lp)); // the writable said false: paused
/// stream::emit_drain(&mut lp, dst.0); // what the writable's implementation calls when drained
/// assert!(flowing(&lp));
/// # Ok::<(), std::io::Error>(())
/// ```
pub trait Readable: StreamHandle {
    /// Stops reading: no more data is delivered and, for sockets, the kernel's flow control
    /// reaches the peer.
    fn pause(self, lp: &mut EventLoop);
    /// Resumes reading after [`pause`](Readable::pause).
    fn resume(self, lp: &mut EventLoop);
}

/// The writable side of a stream: `write`, `drain`, `end`.
///
/// An implementor calls [`emit_drain`] when its queue empties after a `write` returned false,
/// and [`emit_close`] when it closes. A writable that keeps what it is given, fed by a pipe:
///
/// ```
/// use netcore::stdio::ReadStream;
/// use netcore::stream::{pipe, PipeOptions, StreamHandle, Writable};
/// use netcore::{EventLoop, HandleId};
///
/// #[derive(Clone, Copy)]
/// struct Collect(HandleId);
/// impl StreamHandle for Collect {
///     fn handle_id(self) -> HandleId { self.0 }
/// }
/// impl Writable for Collect {
///     fn write(self, lp: &mut EventLoop, data: &[u8]) -> bool {
///         lp.handle_mut::<Vec<u8>>(self.0).unwrap().extend_from_slice(data);
///         true // no queue, so never full
///     }
///     fn end(self, lp: &mut EventLoop) {
///         lp.handle_mut::<Vec<u8>>(self.0).unwrap().extend_from_slice(b"<end>");
///     }
/// }
/// let mut lp = EventLoop::new()?;
/// let sink = Collect(lp.insert_handle(Vec::<u8>::new(), |_, _, _| {}));
/// lp.unref_handle(sink.0); // only the source keeps the loop alive
/// let src = ReadStream::spawn(&mut lp, &b"hello, pipe"[..]);
/// pipe(&mut lp, src, sink, PipeOptions::default());
/// lp.run()?;
/// assert_eq!(lp.handle::<Vec<u8>>(sink.0).unwrap(), b"hello, pipe<end>");
/// # Ok::<(), std::io::Error>(())
/// ```
pub trait Writable: StreamHandle {
    /// Queues `data`. Returns false once the queued bytes exceed the high-water mark: the caller
    /// should wait for drain before writing more (the data is queued all the same).
    fn write(self, lp: &mut EventLoop, data: &[u8]) -> bool;
    /// Ends the stream once everything queued has been written.
    fn end(self, lp: &mut EventLoop);
}

/// How [`pipe`] behaves.
///
/// ```
/// use netcore::stdio::ReadStream;
/// use netcore::stream::{pipe, PipeOptions};
/// # use netcore::stream::{StreamHandle, Writable};
/// # use netcore::{EventLoop, HandleId};
/// # #[derive(Clone, Copy)]
/// # struct Collect(HandleId);
/// # impl StreamHandle for Collect {
/// #     fn handle_id(self) -> HandleId { self.0 }
/// # }
/// # impl Writable for Collect {
/// #     fn write(self, lp: &mut EventLoop, data: &[u8]) -> bool {
/// #         lp.handle_mut::<Vec<u8>>(self.0).unwrap().extend_from_slice(data);
/// #         true
/// #     }
/// #     fn end(self, lp: &mut EventLoop) {
/// #         lp.handle_mut::<Vec<u8>>(self.0).unwrap().extend_from_slice(b"<end>");
/// #     }
/// # }
/// # fn collect(lp: &mut EventLoop) -> Collect {
/// #     let id = lp.insert_handle(Vec::<u8>::new(), |_, _, _| {});
/// #     lp.unref_handle(id);
/// #     Collect(id)
/// # }
/// let mut options = PipeOptions::default();
/// assert!(options.end);
/// options.end = false; // keep the writable open after the readable ends
/// let mut lp = EventLoop::new()?;
/// let sink = collect(&mut lp); // a writable that keeps what it gets, and marks its end
/// let src = ReadStream::spawn(&mut lp, &b"part one"[..]);
/// pipe(&mut lp, src, sink, options);
/// lp.run()?;
/// assert_eq!(lp.handle::<Vec<u8>>(sink.0).unwrap(), b"part one"); // not ended
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct PipeOptions {
    /// End the writable when the readable ends (default true, as in Node).
    pub end: bool,
}

impl Default for PipeOptions {
    fn default() -> Self {
        Self { end: true }
    }
}

trait DynReadable {
    fn pause(&self, lp: &mut EventLoop);
    fn resume(&self, lp: &mut EventLoop);
}

trait DynWritable {
    fn write(&self, lp: &mut EventLoop, data: &[u8]) -> bool;
    fn end(&self, lp: &mut EventLoop);
}

struct R<T>(T);
struct W<T>(T);

impl<T: Readable> DynReadable for R<T> {
    fn pause(&self, lp: &mut EventLoop) {
        self.0.pause(lp)
    }
    fn resume(&self, lp: &mut EventLoop) {
        self.0.resume(lp)
    }
}

impl<T: Writable> DynWritable for W<T> {
    fn write(&self, lp: &mut EventLoop, data: &[u8]) -> bool {
        self.0.write(lp, data)
    }
    fn end(&self, lp: &mut EventLoop) {
        self.0.end(lp)
    }
}

struct Pipe {
    src: Rc<dyn DynReadable>,
    dst_id: HandleId,
    dst: Rc<dyn DynWritable>,
    end: bool,
    paused: bool,
}

/// The loop's table of active pipes.
#[derive(Default)]
pub(crate) struct Pipes {
    by_src: HashMap<HandleId, Pipe>,
    by_dst: HashMap<HandleId, Vec<HandleId>>,
}

impl Pipes {
    fn remove(&mut self, src: HandleId) -> Option<Pipe> {
        let pipe = self.by_src.remove(&src)?;
        if let Some(list) = self.by_dst.get_mut(&pipe.dst_id) {
            list.retain(|s| *s != src);
            if list.is_empty() {
                self.by_dst.remove(&pipe.dst_id);
            }
        }
        Some(pipe)
    }
}

/// Pipes `src` into `dst` with backpressure both ways (`src.pipe(dst)`). A readable feeds one pipe
/// at a time: piping it again replaces the earlier pipe. While piped, the readable's data goes to
/// the pipe instead of its own data handler.
///
/// ```
/// use netcore::stdio::ReadStream;
/// use netcore::stream::{is_piped, pipe, PipeOptions, StreamHandle};
/// # use netcore::stream::Writable;
/// # use netcore::{EventLoop, HandleId};
/// # #[derive(Clone, Copy)]
/// # struct Collect(HandleId);
/// # impl StreamHandle for Collect {
/// #     fn handle_id(self) -> HandleId { self.0 }
/// # }
/// # impl Writable for Collect {
/// #     fn write(self, lp: &mut EventLoop, data: &[u8]) -> bool {
/// #         lp.handle_mut::<Vec<u8>>(self.0).unwrap().extend_from_slice(data);
/// #         true
/// #     }
/// #     fn end(self, lp: &mut EventLoop) {
/// #         lp.handle_mut::<Vec<u8>>(self.0).unwrap().extend_from_slice(b"<end>");
/// #     }
/// # }
/// # fn collect(lp: &mut EventLoop) -> Collect {
/// #     let id = lp.insert_handle(Vec::<u8>::new(), |_, _, _| {});
/// #     lp.unref_handle(id);
/// #     Collect(id)
/// # }
/// let mut lp = EventLoop::new()?;
/// let sink = collect(&mut lp); // a writable that keeps what it gets, and marks its end
/// let src = ReadStream::spawn(&mut lp, &b"one\ntwo\n"[..]);
/// pipe(&mut lp, src, sink, PipeOptions::default());
/// assert!(is_piped(&lp, src.handle_id()));
/// lp.run()?; // until the source ends; its end ends the sink
/// assert_eq!(lp.handle::<Vec<u8>>(sink.0).unwrap(), b"one\ntwo\n<end>");
/// assert!(!is_piped(&lp, src.handle_id()));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn pipe<S: Readable, D: Writable>(lp: &mut EventLoop, src: S, dst: D, options: PipeOptions) {
    unpipe(lp, src);
    let src_id = src.handle_id();
    let dst_id = dst.handle_id();
    lp.pipes.by_src.insert(
        src_id,
        Pipe { src: Rc::new(R(src)), dst_id, dst: Rc::new(W(dst)), end: options.end, paused: false },
    );
    lp.pipes.by_dst.entry(dst_id).or_default().push(src_id);
    src.resume(lp);
}

/// Detaches `src` from its pipe, if any (`src.unpipe()`). The readable is left paused if the pipe
/// had paused it, as in Node.
pub fn unpipe<S: Readable>(lp: &mut EventLoop, src: S) -> bool {
    lp.pipes.remove(src.handle_id()).is_some()
}

/// Whether `src` is piped somewhere.
pub fn is_piped(lp: &EventLoop, src: HandleId) -> bool {
    lp.pipes.by_src.contains_key(&src)
}

/// For readable implementors: hands a chunk to the pipe attached to `src`. Returns false if `src`
/// is not piped (deliver the chunk to the stream's own handler then).
pub fn emit_data(lp: &mut EventLoop, src: HandleId, data: &[u8]) -> bool {
    let Some(pipe) = lp.pipes.by_src.get(&src) else { return false };
    let dst = pipe.dst.clone();
    let readable = pipe.src.clone();
    if !dst.write(lp, data) {
        if let Some(pipe) = lp.pipes.by_src.get_mut(&src) {
            pipe.paused = true;
            readable.pause(lp);
        }
    }
    true
}

/// For readable implementors: `src` has ended. Ends the writable it is piped to (if the pipe says
/// so) and detaches the pipe. Returns whether `src` was piped.
pub fn emit_end(lp: &mut EventLoop, src: HandleId) -> bool {
    let Some(pipe) = lp.pipes.remove(src) else { return false };
    if pipe.end {
        pipe.dst.end(lp);
    }
    true
}

/// For writable implementors: `dst` has drained. Resumes every readable the pipes paused for it.
pub fn emit_drain(lp: &mut EventLoop, dst: HandleId) {
    let Some(sources) = lp.pipes.by_dst.get(&dst) else { return };
    let mut resume = Vec::new();
    for src in sources.clone() {
        if let Some(pipe) = lp.pipes.by_src.get_mut(&src) {
            if std::mem::take(&mut pipe.paused) {
                resume.push(pipe.src.clone());
            }
        }
    }
    for r in resume {
        r.resume(lp);
    }
}

/// For implementors of either side: the stream is closed. Detaches every pipe it takes part in.
pub fn emit_close(lp: &mut EventLoop, id: HandleId) {
    lp.pipes.remove(id);
    if let Some(sources) = lp.pipes.by_dst.remove(&id) {
        for s in sources {
            lp.pipes.by_src.remove(&s);
        }
    }
}
