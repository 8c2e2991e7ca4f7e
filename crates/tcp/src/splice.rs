//! Socket-to-socket pipes through `splice(2)` (Linux): bytes go from one socket into a kernel
//! pipe and from there into the other socket without ever being copied into user space, as
//! HAProxy does. Backpressure is the pipe itself: when the destination cannot take more, the pipe
//! stays full and the source is not read until the destination drains.
//!
//! On other systems [`attach`] declines and `SocketId::pipe` uses the generic stream pipe.

use netcore::{EventLoop, Ready};

use crate::socket::{self, conn, conn_mut, Phase, SocketId};

/// The splice state a piped source socket carries.
pub(crate) struct Splice {
    pub(crate) dst: SocketId,
    #[cfg(target_os = "linux")]
    pipe: sys::Pipe,
    buffered: usize,
    eof: bool,
    dst_ended: bool,
}

/// Bytes moved per `splice` call at most (the pipe's capacity bounds it too).
const CHUNK: usize = 1 << 20;

/// Sets up a splice pipe from `src` to `dst`; false if this platform or these sockets cannot.
#[cfg(target_os = "linux")]
pub(crate) fn attach(lp: &mut EventLoop, src: SocketId, dst: SocketId) -> bool {
    let ok = |id: SocketId, lp: &EventLoop| {
        // A layer's wire bytes are not the stream's content: those sockets pipe in user space.
        conn(lp, id).is_some_and(|c| c.phase == Phase::Open && c.stream.is_some() && c.layer.is_none())
    };
    if !ok(src, lp) || !ok(dst, lp) {
        return false;
    }
    if conn(lp, src).is_some_and(|c| c.splice.is_some())
        || conn(lp, dst).is_some_and(|c| c.spliced_from.is_some())
    {
        return false;
    }
    if netcore::stream::is_piped(lp, src.handle_id()) {
        return false;
    }
    let Ok(pipe) = sys::Pipe::new() else { return false };
    if let Some(c) = conn_mut(lp, src) {
        c.splice = Some(Box::new(Splice { dst, pipe, buffered: 0, eof: false, dst_ended: false }));
    }
    if let Some(d) = conn_mut(lp, dst) {
        d.spliced_from = Some(src);
    }
    src.resume(lp);
    lp.requeue(src.handle_id(), Ready::READABLE);
    true
}

/// Splicing is Linux-only.
#[cfg(not(target_os = "linux"))]
pub(crate) fn attach(_lp: &mut EventLoop, _src: SocketId, _dst: SocketId) -> bool {
    false
}

/// Whether bytes read from `src` still wait in the pipe.
pub(crate) fn has_pending(lp: &EventLoop, src: SocketId) -> bool {
    conn(lp, src).and_then(|c| c.splice.as_ref()).is_some_and(|s| s.buffered > 0)
}

/// The destination is gone: drop the pipe and its contents; `src` reads normally again.
pub(crate) fn detach(lp: &mut EventLoop, src: SocketId) {
    if let Some(c) = conn_mut(lp, src) {
        c.splice = None;
    }
}

/// The destination's own queue has drained: move piped bytes on and read more.
pub(crate) fn resume_from_dst(lp: &mut EventLoop, src: SocketId) {
    if flush_to_dst(lp, src) {
        lp.requeue(src.handle_id(), Ready::READABLE);
    }
}

#[cfg(not(target_os = "linux"))]
fn flush_to_dst(_lp: &mut EventLoop, _src: SocketId) -> bool {
    true
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn read(_lp: &mut EventLoop, _src: SocketId) {}

/// Moves what the pipe holds into the destination. True when the pipe is empty.
#[cfg(target_os = "linux")]
fn flush_to_dst(lp: &mut EventLoop, src: SocketId) -> bool {
    use std::os::fd::AsRawFd;
    let Some(s) = conn(lp, src).and_then(|c| c.splice.as_ref()) else { return true };
    let (dst, pipe_r, mut buffered) = (s.dst, s.pipe.read_fd(), s.buffered);
    let Some(d) = conn(lp, dst) else { return true };
    // User bytes queued on the destination go first, keeping the order of the stream.
    if d.queued() > 0 || d.phase != Phase::Open {
        return false;
    }
    let Some(dst_fd) = d.stream.as_ref().map(|s| s.as_raw_fd()) else { return false };
    let mut moved = 0u64;
    let mut failure = None;
    while buffered > 0 {
        match sys::splice(pipe_r, dst_fd, buffered) {
            Ok(0) => break,
            Ok(n) => {
                buffered -= n;
                moved += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    if let Some(d) = conn_mut(lp, dst) {
        d.bytes_written += moved;
    }
    let Some(s) = conn_mut(lp, src).and_then(|c| c.splice.as_mut()) else { return true };
    s.buffered = buffered;
    let end_dst = s.eof && buffered == 0 && !std::mem::replace(&mut s.dst_ended, true);
    if let Some(e) = failure {
        socket::fail(lp, dst, crate::Error::from_io(e, ""));
        return false;
    }
    if end_dst {
        socket::end(lp, dst);
    }
    buffered == 0
}

/// Readiness on a spliced source: fill the pipe from the socket, empty it into the destination.
#[cfg(target_os = "linux")]
pub(crate) fn read(lp: &mut EventLoop, src: SocketId) {
    use std::os::fd::AsRawFd;
    for _ in 0..16 {
        if !flush_to_dst(lp, src) {
            // The destination is full; its next writable event resumes us.
            return;
        }
        let Some(c) = conn(lp, src) else { return };
        if c.paused_or_ended() {
            return;
        }
        let Some(src_fd) = c.stream.as_ref().map(|s| s.as_raw_fd()) else { return };
        let Some(s) = c.splice.as_ref() else { return };
        match sys::splice(src_fd, s.pipe.write_fd(), CHUNK) {
            Ok(0) => {
                if let Some(s) = conn_mut(lp, src).and_then(|c| c.splice.as_mut()) {
                    s.eof = true;
                }
                flush_to_dst(lp, src);
                socket::handle_eof(lp, src);
                return;
            }
            Ok(n) => {
                if let Some(c) = conn_mut(lp, src) {
                    c.bytes_read += n as u64;
                    if let Some(s) = c.splice.as_mut() {
                        s.buffered += n;
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                flush_to_dst(lp, src);
                return;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                socket::fail(lp, src, crate::Error::from_io(e, ""));
                return;
            }
        }
    }
    lp.requeue(src.handle_id(), Ready::READABLE);
}

#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
mod sys {
    //! The two system calls, behind safe functions.
    use std::io;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

    /// Pipe capacity asked for (the kernel may give less; the default is 64 KiB).
    const PIPE_SIZE: libc::c_int = 1 << 20;

    /// A non-blocking kernel pipe; both ends close on drop.
    pub(crate) struct Pipe {
        read: OwnedFd,
        write: OwnedFd,
    }

    impl Pipe {
        pub(crate) fn new() -> io::Result<Pipe> {
            let mut fds = [0 as libc::c_int; 2];
            // SAFETY: `fds` is a valid, writable array of two c_ints, as pipe2(2) requires.
            let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) };
            if rc != 0 {
                return Err(io::Error::last_os_error());
            }
            // SAFETY: pipe2 succeeded, so both descriptors are open and owned by nobody else.
            let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
            // A larger pipe moves more per call; failing to grow it is harmless.
            // SAFETY: F_SETPIPE_SZ takes an int argument and touches no memory of ours.
            unsafe { libc::fcntl(write.as_raw_fd(), libc::F_SETPIPE_SZ, PIPE_SIZE) };
            Ok(Pipe { read, write })
        }

        pub(crate) fn read_fd(&self) -> RawFd {
            self.read.as_raw_fd()
        }

        pub(crate) fn write_fd(&self) -> RawFd {
            self.write.as_raw_fd()
        }
    }

    /// Moves up to `len` bytes from `from` to `to`, one of which must be a pipe.
    pub(crate) fn splice(from: RawFd, to: RawFd, len: usize) -> io::Result<usize> {
        // SAFETY: splice(2) reads no memory of ours when both offset pointers are null; the
        // descriptors are borrowed from live sockets and pipes owned by the caller, and a stale
        // descriptor can only make the call fail (EBADF), never touch memory.
        let n = unsafe {
            libc::splice(
                from,
                std::ptr::null_mut(),
                to,
                std::ptr::null_mut(),
                len,
                libc::SPLICE_F_MOVE | libc::SPLICE_F_NONBLOCK,
            )
        };
        if n < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(n as usize)
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use std::io::{Read, Write};
        use std::os::unix::net::UnixStream;

        #[test]
        fn splice_moves_bytes_through_a_pipe() {
            let (mut a, b) = UnixStream::pair().unwrap();
            let (c, mut d) = UnixStream::pair().unwrap();
            let pipe = Pipe::new().unwrap();
            a.write_all(b"hello splice").unwrap();
            let n = splice(b.as_raw_fd(), pipe.write_fd(), 1024).unwrap();
            assert_eq!(n, 12);
            assert_eq!(splice(pipe.read_fd(), c.as_raw_fd(), n).unwrap(), 12);
            let mut out = [0u8; 12];
            d.read_exact(&mut out).unwrap();
            assert_eq!(&out, b"hello splice");
            // Nothing left: the non-blocking pipe says so instead of blocking.
            assert_eq!(
                splice(pipe.read_fd(), c.as_raw_fd(), 1).unwrap_err().kind(),
                io::ErrorKind::WouldBlock
            );
        }
    }
}
