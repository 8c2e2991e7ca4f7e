//! Batched datagram I/O: `recvmmsg(2)` and `sendmmsg(2)` on Linux, behind safe functions, and
//! the one-datagram-per-call fallback used elsewhere (and when batching is turned off).
//!
//! One `recvmmsg` reads up to [`BATCH`] datagrams and one `sendmmsg` sends up to [`BATCH`]: a busy
//! echo costs two system calls per batch instead of Node's two per datagram.

use std::io;
use std::net::SocketAddr;

/// Datagrams per batched call.
pub(crate) const BATCH: usize = 16;

/// Bytes per receive slot: the largest UDP payload (65,507 over IPv4) fits, larger is reported as
/// truncated.
pub(crate) const SLOT: usize = 64 * 1024;

/// One received datagram's metadata; its bytes are in slot `index` of the buffer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Received {
    /// Bytes stored in the slot.
    pub(crate) len: usize,
    /// The datagram's real size (more than `len` when truncated).
    pub(crate) size: usize,
    pub(crate) from: Option<SocketAddr>,
}

/// Reads one datagram with `MSG_TRUNC`, so a datagram larger than `buf` reports its real size.
pub(crate) fn recv_one(sock: &mio::net::UdpSocket, buf: &mut [u8]) -> io::Result<Received> {
    let sref = socket2::SockRef::from(sock);
    // SAFETY-free path: socket2 takes `&mut [MaybeUninit<u8>]`; an initialised buffer coerces.
    let uninit = as_uninit(buf);
    let (size, from) = sref.recv_from_with_flags(uninit, libc::MSG_TRUNC)?;
    Ok(Received { len: size.min(buf.len()), size, from: from.as_socket() })
}

/// Sends one datagram (`to` is `None` on a connected socket).
pub(crate) fn send_one(sock: &mio::net::UdpSocket, data: &[u8], to: Option<SocketAddr>) -> io::Result<usize> {
    match to {
        Some(addr) => sock.send_to(data, addr),
        None => sock.send(data),
    }
}

fn as_uninit(buf: &mut [u8]) -> &mut [std::mem::MaybeUninit<u8>] {
    // `[u8]` to `[MaybeUninit<u8>]` is the one cast std offers safely for this (reading back is
    // only of bytes the kernel wrote, and the slice was initialised anyway).
    let len = buf.len();
    let ptr = buf.as_mut_ptr();
    #[allow(unsafe_code)]
    // SAFETY: MaybeUninit<u8> has the layout of u8; the slice is valid and exclusively borrowed
    // for `len` bytes, and we never write uninitialised bytes through it.
    unsafe {
        std::slice::from_raw_parts_mut(ptr.cast::<std::mem::MaybeUninit<u8>>(), len)
    }
}

#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
mod linux {
    use super::*;
    use std::os::fd::RawFd;

    /// Reads up to `out.capacity()`-bounded batch of datagrams into `buf` (slots of [`SLOT`]
    /// bytes); returns how many. `WouldBlock` when none is waiting.
    pub(crate) fn recv_batch(fd: RawFd, buf: &mut [u8], out: &mut Vec<Received>) -> io::Result<usize> {
        let n = (buf.len() / SLOT).min(BATCH);
        if n == 0 {
            return Ok(0);
        }
        // SAFETY: all-zero bytes are valid values of these plain C structs (integers and
        // nullable pointers).
        let mut addrs: [libc::sockaddr_storage; BATCH] = unsafe { std::mem::zeroed() };
        let mut iovs: [libc::iovec; BATCH] = unsafe { std::mem::zeroed() };
        let mut msgs: [libc::mmsghdr; BATCH] = unsafe { std::mem::zeroed() };
        for (i, chunk) in buf.chunks_exact_mut(SLOT).take(n).enumerate() {
            iovs[i] = libc::iovec { iov_base: chunk.as_mut_ptr().cast(), iov_len: SLOT };
            msgs[i].msg_hdr.msg_name = (&mut addrs[i] as *mut libc::sockaddr_storage).cast();
            msgs[i].msg_hdr.msg_namelen = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
            msgs[i].msg_hdr.msg_iov = &mut iovs[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }
        // SAFETY: `msgs[..n]` point at `iovs[i]` (each covering a distinct SLOT-byte chunk of the
        // exclusively borrowed `buf`) and at `addrs[i]` with their true sizes; all outlive the
        // call. The kernel writes only within those bounds.
        let r = unsafe {
            libc::recvmmsg(
                fd,
                msgs.as_mut_ptr(),
                n as libc::c_uint,
                libc::MSG_TRUNC | libc::MSG_DONTWAIT,
                std::ptr::null_mut(),
            )
        };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        let got = r as usize;
        out.clear();
        for (msg, storage) in msgs.iter().zip(addrs.iter()).take(got) {
            let size = msg.msg_len as usize;
            // SAFETY: the kernel filled `storage` with an address of `msg_namelen` bytes.
            let from = unsafe { socket2::SockAddr::new(*storage, msg.msg_hdr.msg_namelen) }.as_socket();
            out.push(Received { len: size.min(SLOT), size, from });
        }
        Ok(got)
    }

    /// Sends `items` (data, destination) with one `sendmmsg`; returns how many went out. An error
    /// is returned only when the first one fails (the kernel's contract).
    pub(crate) fn send_batch(fd: RawFd, items: &[(&[u8], Option<SocketAddr>)]) -> io::Result<usize> {
        let n = items.len().min(BATCH);
        // On the stack: no allocation per batch.
        let names: [Option<socket2::SockAddr>; BATCH] =
            std::array::from_fn(|i| items.get(i).and_then(|(_, to)| to.map(socket2::SockAddr::from)));
        // SAFETY: as in `recv_batch`, zeroed C structs are valid.
        let mut iovs: [libc::iovec; BATCH] = unsafe { std::mem::zeroed() };
        let mut msgs: [libc::mmsghdr; BATCH] = unsafe { std::mem::zeroed() };
        for i in 0..n {
            let data = items[i].0;
            // The kernel only reads through these pointers for a send.
            iovs[i] = libc::iovec { iov_base: data.as_ptr() as *mut libc::c_void, iov_len: data.len() };
            if let Some(name) = &names[i] {
                msgs[i].msg_hdr.msg_name = name.as_ptr() as *mut libc::c_void;
                msgs[i].msg_hdr.msg_namelen = name.len();
            }
            msgs[i].msg_hdr.msg_iov = &mut iovs[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }
        // SAFETY: every pointer in `msgs[..n]` refers to `iovs`, `names` or the caller's data
        // slices, all alive for the call; sendmmsg reads them and writes only `msg_len`.
        let r = unsafe { libc::sendmmsg(fd, msgs.as_mut_ptr(), n as libc::c_uint, libc::MSG_DONTWAIT) };
        if r < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(r as usize)
        }
    }

    /// Dissolves a UDP socket's association (`connect` to `AF_UNSPEC`).
    pub(crate) fn disconnect(fd: RawFd) -> io::Result<()> {
        // SAFETY: a zeroed sockaddr with family AF_UNSPEC is a valid argument of its true size.
        let mut addr: libc::sockaddr = unsafe { std::mem::zeroed() };
        addr.sa_family = libc::AF_UNSPEC as libc::sa_family_t;
        let len = std::mem::size_of::<libc::sockaddr>() as libc::socklen_t;
        // SAFETY: `addr` lives across the call and `len` is its size.
        let r = unsafe { libc::connect(fd, &addr, len) };
        // Linux may answer EAFNOSUPPORT for IPv6 sockets after dissolving the association.
        if r < 0 {
            let e = io::Error::last_os_error();
            if e.raw_os_error() != Some(libc::EAFNOSUPPORT) {
                return Err(e);
            }
        }
        Ok(())
    }
}

#[cfg(target_os = "linux")]
pub(crate) use linux::{disconnect, recv_batch, send_batch};

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn batches_round_trip_and_report_truncation() {
        use std::os::fd::AsRawFd;
        let a = mio::net::UdpSocket::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let b = mio::net::UdpSocket::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let to = Some(b.local_addr().unwrap());
        let big = vec![7u8; 70_000];
        let small = [b"one".as_slice(), b"", b"three"];
        let items: Vec<_> = small.iter().map(|d| (*d, to)).collect();
        assert_eq!(send_batch(a.as_raw_fd(), &items).unwrap(), 3);
        // A 70,000-byte datagram cannot be sent over IPv4 at all.
        assert_eq!(
            send_batch(a.as_raw_fd(), &[(&big, to)]).unwrap_err().raw_os_error(),
            Some(libc::EMSGSIZE)
        );
        let mut buf = vec![0u8; SLOT * BATCH];
        let mut out = Vec::new();
        let mut got = Vec::new();
        while got.len() < 3 {
            match recv_batch(b.as_raw_fd(), &mut buf, &mut out) {
                Ok(n) => {
                    for (i, r) in out.iter().take(n).enumerate() {
                        assert_eq!(r.from, Some(a.local_addr().unwrap()));
                        got.push(buf[i * SLOT..i * SLOT + r.len].to_vec());
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => std::thread::yield_now(),
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(got, [b"one".to_vec(), vec![], b"three".to_vec()]);
        // Truncation: a slot smaller than the datagram reports the real size.
        a.send_to(&[1u8; 100], b.local_addr().unwrap()).unwrap();
        let mut small_buf = [0u8; 10];
        let r = loop {
            match recv_one(&b, &mut small_buf) {
                Ok(r) => break r,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => std::thread::yield_now(),
                Err(e) => panic!("{e}"),
            }
        };
        assert_eq!((r.len, r.size), (10, 100));
    }
}
