//! The frame format (RFC 6455 §5.2): header decoding from a byte slice, header and frame
//! encoding into a caller-owned `Vec<u8>`.
//!
//! ```text
//!  0               1               2               3
//!  0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7
//! +-+-+-+-+-------+-+-------------+-------------------------------+
//! |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
//! |I|S|S|S|  (4)  |A|     (7)     |   (16 bits if len 126, 64 if  |
//! |N|V|V|V|       |S|             |    127; most significant bit  |
//! | |1|2|3|       |K|             |    of the 64 bits zero)       |
//! +-+-+-+-+-------+-+-------------+-------------------------------+
//! |  ...extended length  |  Masking key (4 bytes, if MASK)  |  payload...
//! ```
//!
//! Decoding checks the rules that need nothing but the header itself, as soon as the bytes
//! that break them are in: a reserved opcode (§5.2), a fragmented or over-long control frame
//! (§5.5), a length that is not minimally encoded or has its top bit set (§5.2). The rules that
//! depend on the connection (masking direction, RSV bits, fragmentation state, limits) are the
//! [session](super::session)'s.

use super::error::Error;
use super::mask::apply_mask;

/// The longest header: 2 bytes, an 8-byte length and a 4-byte mask.
pub const MAX_HEADER_LEN: usize = 14;
/// The largest control frame payload (RFC 6455 §5.5).
pub const MAX_CONTROL_PAYLOAD: usize = 125;

/// A frame's opcode (RFC 6455 §5.2, §11.8). The reserved values 3–7 and 11–15 are not
/// representable: decoding them is [`Error::ReservedOpcode`].
///
/// ```
/// use netcore_websocket::proto::{FrameHeader, Opcode};
/// assert_eq!(Opcode::Pong.as_u8(), 0xa);
/// assert!(Opcode::Close.is_control() && !Opcode::Continuation.is_control());
/// let (header, _) = FrameHeader::decode(b"\x89\x00")?.expect("complete"); // an empty Ping
/// assert_eq!(header.opcode, Opcode::Ping);
/// # Ok::<(), netcore_websocket::proto::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Opcode {
    /// 0x0: the next fragment of a Text or Binary message.
    Continuation,
    /// 0x1: the first (or only) frame of a text message (UTF-8).
    Text,
    /// 0x2: the first (or only) frame of a binary message.
    Binary,
    /// 0x8: the closing handshake (§5.5.1).
    Close,
    /// 0x9: a ping, to be answered by a Pong with the same payload (§5.5.2).
    Ping,
    /// 0xA: a pong (§5.5.3).
    Pong,
}

impl Opcode {
    /// The 4-bit value on the wire.
    pub const fn as_u8(self) -> u8 {
        match self {
            Opcode::Continuation => 0x0,
            Opcode::Text => 0x1,
            Opcode::Binary => 0x2,
            Opcode::Close => 0x8,
            Opcode::Ping => 0x9,
            Opcode::Pong => 0xa,
        }
    }

    /// Whether it is a control opcode (Close, Ping, Pong: §5.5).
    pub const fn is_control(self) -> bool {
        matches!(self, Opcode::Close | Opcode::Ping | Opcode::Pong)
    }
}

impl TryFrom<u8> for Opcode {
    type Error = Error;

    /// The opcode for a 4-bit value; reserved values are [`Error::ReservedOpcode`].
    ///
    /// ```
    /// use netcore_websocket::proto::{Error, Opcode};
    /// assert_eq!(Opcode::try_from(0x9), Ok(Opcode::Ping));
    /// assert_eq!(Opcode::try_from(0x3), Err(Error::ReservedOpcode(3)));
    /// ```
    fn try_from(value: u8) -> Result<Self, Error> {
        Ok(match value {
            0x0 => Opcode::Continuation,
            0x1 => Opcode::Text,
            0x2 => Opcode::Binary,
            0x8 => Opcode::Close,
            0x9 => Opcode::Ping,
            0xa => Opcode::Pong,
            other => return Err(Error::ReservedOpcode(other)),
        })
    }
}

/// A decoded frame header (RFC 6455 §5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FrameHeader {
    /// FIN: the last frame of its message.
    pub fin: bool,
    /// RSV1 (permessage-deflate's "compressed" bit, RFC 7692 §6).
    pub rsv1: bool,
    /// RSV2 (no extension here defines it).
    pub rsv2: bool,
    /// RSV3 (no extension here defines it).
    pub rsv3: bool,
    /// The opcode.
    pub opcode: Opcode,
    /// The masking key, present on (and only on) frames from a client (§5.3).
    pub mask: Option<[u8; 4]>,
    /// The payload length.
    pub len: u64,
}

impl FrameHeader {
    /// A final frame (FIN set), no RSV bits, unmasked, of `len` payload bytes.
    pub const fn new(opcode: Opcode, len: u64) -> Self {
        Self { fin: true, rsv1: false, rsv2: false, rsv3: false, opcode, mask: None, len }
    }

    /// Decodes a header from the start of `buf`: `Ok(None)` if more bytes are needed, else the
    /// header and its encoded length. Fails as soon as the bytes present break a rule.
    ///
    /// ```
    /// use netcore_websocket::proto::{FrameHeader, Opcode};
    /// // RFC 6455 §5.7: an unmasked "Hello" from a server.
    /// let bytes = b"\x81\x05Hello";
    /// let (header, used) = FrameHeader::decode(bytes)?.expect("complete");
    /// assert_eq!((header.opcode, header.fin, header.len, header.mask, used), (Opcode::Text, true, 5, None, 2));
    /// assert_eq!(FrameHeader::decode(&bytes[..1])?, None);
    /// # Ok::<(), netcore_websocket::proto::Error>(())
    /// ```
    pub fn decode(buf: &[u8]) -> Result<Option<(FrameHeader, usize)>, Error> {
        let Some(&b0) = buf.first() else { return Ok(None) };
        let opcode = Opcode::try_from(b0 & 0x0f)?;
        let fin = b0 & 0x80 != 0;
        // RFC 6455 §5.5: control frames are never fragmented and carry at most 125 bytes.
        if opcode.is_control() && !fin {
            return Err(Error::FragmentedControlFrame);
        }
        let Some(&b1) = buf.get(1) else { return Ok(None) };
        let len7 = b1 & 0x7f;
        if opcode.is_control() && usize::from(len7) > MAX_CONTROL_PAYLOAD {
            return Err(Error::ControlFrameTooLong);
        }
        // RFC 6455 §5.2: "the minimal number of bytes MUST be used to encode the length".
        let (len, mut used) = match len7 {
            126 => {
                let Some(&[a, b]) = buf.get(2..4) else { return Ok(None) };
                let len = u16::from_be_bytes([a, b]);
                if len < 126 {
                    return Err(Error::NonMinimalLength);
                }
                (u64::from(len), 4)
            }
            127 => {
                let Some(bytes) = buf.get(2..10) else { return Ok(None) };
                let mut be = [0u8; 8];
                be.copy_from_slice(bytes);
                let len = u64::from_be_bytes(be);
                // RFC 6455 §5.2: "the most significant bit MUST be 0".
                if len >> 63 != 0 {
                    return Err(Error::LengthOverflow);
                }
                if len <= 0xffff {
                    return Err(Error::NonMinimalLength);
                }
                (len, 10)
            }
            n => (u64::from(n), 2),
        };
        let mask = if b1 & 0x80 != 0 {
            let Some(&[k0, k1, k2, k3]) = buf.get(used..used + 4) else { return Ok(None) };
            used += 4;
            Some([k0, k1, k2, k3])
        } else {
            None
        };
        let header = FrameHeader {
            fin,
            rsv1: b0 & 0x40 != 0,
            rsv2: b0 & 0x20 != 0,
            rsv3: b0 & 0x10 != 0,
            opcode,
            mask,
            len,
        };
        Ok(Some((header, used)))
    }

    /// The number of bytes [`encode`](Self::encode) writes: 2 to 14.
    pub const fn encoded_len(&self) -> usize {
        let ext = if self.len < 126 {
            0
        } else if self.len <= 0xffff {
            2
        } else {
            8
        };
        2 + ext + if self.mask.is_some() { 4 } else { 0 }
    }

    /// Appends the header to `out`, the length in its minimal form (§5.2). A `len` of 2^63 or
    /// more (impossible for a payload in memory) would be rejected by a conforming peer.
    ///
    /// ```
    /// use netcore_websocket::proto::{FrameHeader, Opcode};
    /// let mut out = Vec::new();
    /// FrameHeader::new(Opcode::Binary, 256).encode(&mut out);
    /// assert_eq!(out, [0x82, 0x7e, 0x01, 0x00]);
    /// ```
    pub fn encode(&self, out: &mut Vec<u8>) {
        let b0 = u8::from(self.fin) << 7
            | u8::from(self.rsv1) << 6
            | u8::from(self.rsv2) << 5
            | u8::from(self.rsv3) << 4
            | self.opcode.as_u8();
        let masked = if self.mask.is_some() { 0x80 } else { 0 };
        if self.len < 126 {
            out.extend_from_slice(&[b0, masked | self.len as u8]);
        } else if self.len <= 0xffff {
            let len = (self.len as u16).to_be_bytes();
            out.extend_from_slice(&[b0, masked | 126, len[0], len[1]]);
        } else {
            out.extend_from_slice(&[b0, masked | 127]);
            out.extend_from_slice(&self.len.to_be_bytes());
        }
        if let Some(key) = self.mask {
            out.extend_from_slice(&key);
        }
    }
}

/// Decodes a header from the start of `buf`; see [`FrameHeader::decode`].
pub fn decode_header(buf: &[u8]) -> Result<Option<(FrameHeader, usize)>, Error> {
    FrameHeader::decode(buf)
}

/// Appends `header` to `out`; see [`FrameHeader::encode`].
pub fn encode_header(header: &FrameHeader, out: &mut Vec<u8>) {
    header.encode(out);
}

/// Appends a whole frame to `out`: `header` with its `len` replaced by `payload.len()`, then the
/// payload, masked with `header.mask` if there is one (§5.3). One reservation, no other
/// allocation.
///
/// ```
/// use netcore_websocket::proto::frame::{encode_frame, FrameHeader, Opcode};
/// // RFC 6455 §5.7: a masked "Hello" from a client.
/// let mut out = Vec::new();
/// let header = FrameHeader { mask: Some([0x37, 0xfa, 0x21, 0x3d]), ..FrameHeader::new(Opcode::Text, 0) };
/// encode_frame(header, b"Hello", &mut out);
/// assert_eq!(out, [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
/// ```
pub fn encode_frame(mut header: FrameHeader, payload: &[u8], out: &mut Vec<u8>) {
    header.len = payload.len() as u64;
    out.reserve(header.encoded_len() + payload.len());
    header.encode(out);
    let start = out.len();
    out.extend_from_slice(payload);
    if let Some(key) = header.mask {
        apply_mask(&mut out[start..], key, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> Result<Option<(FrameHeader, usize)>, Error> {
        FrameHeader::decode(bytes)
    }

    /// The examples of RFC 6455 §5.7, header by header.
    #[test]
    fn rfc6455_5_7_examples() {
        let hello = |mask| FrameHeader { mask, ..FrameHeader::new(Opcode::Text, 5) };
        let key = Some([0x37, 0xfa, 0x21, 0x3d]);
        let cases: &[(&[u8], FrameHeader, usize)] = &[
            // A single-frame unmasked text message.
            (b"\x81\x05Hello", hello(None), 2),
            // A single-frame masked text message.
            (b"\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58", hello(key), 6),
            // A fragmented unmasked text message.
            (b"\x01\x03Hel", FrameHeader { fin: false, ..FrameHeader::new(Opcode::Text, 3) }, 2),
            (b"\x80\x02lo", FrameHeader::new(Opcode::Continuation, 2), 2),
            // Unmasked Ping, masked Pong.
            (b"\x89\x05Hello", FrameHeader::new(Opcode::Ping, 5), 2),
            (
                b"\x8a\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58",
                FrameHeader { mask: key, ..FrameHeader::new(Opcode::Pong, 5) },
                6,
            ),
            // 256 bytes binary message in a single unmasked frame; 64 KiB likewise.
            (b"\x82\x7e\x01\x00", FrameHeader::new(Opcode::Binary, 256), 4),
            (b"\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00", FrameHeader::new(Opcode::Binary, 65536), 10),
        ];
        for &(bytes, header, used) in cases {
            assert_eq!(decode(bytes), Ok(Some((header, used))), "{bytes:02x?}");
            // Every shorter prefix of the header is incomplete, not an error.
            for cut in 0..used {
                assert_eq!(decode(&bytes[..cut]), Ok(None), "{bytes:02x?} cut at {cut}");
            }
            let mut out = Vec::new();
            encode_header(&header, &mut out);
            assert_eq!(out, bytes[..used], "encode {header:?}");
            assert_eq!(header.encoded_len(), used);
        }
        let mut out = Vec::new();
        encode_frame(hello(key), b"Hello", &mut out);
        assert_eq!(out, b"\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58");
    }

    /// RFC 6455 §5.2 and §5.5: the rules a header alone can break, each reported as soon as
    /// the offending byte is in (the prefix up to it is enough).
    #[test]
    fn rfc6455_5_2_and_5_5_header_rules() {
        let cases: &[(&[u8], Error)] = &[
            (b"\x83", Error::ReservedOpcode(3)),
            (b"\x87", Error::ReservedOpcode(7)),
            (b"\x8b", Error::ReservedOpcode(0xb)),
            (b"\x0f", Error::ReservedOpcode(0xf)),
            (b"\x08", Error::FragmentedControlFrame),
            (b"\x09", Error::FragmentedControlFrame),
            (b"\x89\x7e", Error::ControlFrameTooLong),
            (b"\x88\x7f", Error::ControlFrameTooLong),
            (b"\x82\x7e\x00\x7d", Error::NonMinimalLength),
            (b"\x82\x7f\x00\x00\x00\x00\x00\x00\xff\xff", Error::NonMinimalLength),
            (b"\x82\x7f\x80\x00\x00\x00\x00\x00\x00\x00", Error::LengthOverflow),
            (b"\x82\xff\xff\xff\xff\xff\xff\xff\xff\xff", Error::LengthOverflow),
        ];
        for &(bytes, err) in cases {
            assert_eq!(decode(bytes), Err(err), "{bytes:02x?}");
            let mut longer = bytes.to_vec();
            longer.extend_from_slice(&[0; 16]);
            assert_eq!(decode(&longer), Err(err), "{bytes:02x?} with more after it");
        }
        // The boundaries that are allowed: 125-byte control frames, 126 in 16 bits, 65536 in 64.
        assert!(matches!(decode(b"\x89\x7d"), Ok(Some((FrameHeader { len: 125, .. }, 2)))));
        assert!(matches!(decode(b"\x82\x7e\x00\x7e"), Ok(Some((FrameHeader { len: 126, .. }, 4)))));
        let max = b"\x82\x7f\x7f\xff\xff\xff\xff\xff\xff\xff";
        assert!(matches!(decode(max), Ok(Some((FrameHeader { len: 0x7fff_ffff_ffff_ffff, .. }, 10)))));
        // RSV bits are decoded, not judged.
        let (h, _) = decode(b"\xf2\x00").unwrap().unwrap();
        assert!(h.rsv1 && h.rsv2 && h.rsv3 && h.fin);
    }

    #[test]
    fn encode_uses_the_minimal_length_form_at_each_boundary() {
        for (len, used) in [(0, 2), (125, 2), (126, 4), (0xffff, 4), (0x1_0000, 10), (u64::MAX >> 1, 10)] {
            for mask in [None, Some([1, 2, 3, 4])] {
                let header =
                    FrameHeader { mask, rsv1: true, fin: false, ..FrameHeader::new(Opcode::Binary, len) };
                let mut out = Vec::new();
                header.encode(&mut out);
                let used = used + if mask.is_some() { 4 } else { 0 };
                assert_eq!(out.len(), used);
                assert_eq!(header.encoded_len(), used);
                assert_eq!(decode(&out), Ok(Some((header, used))));
            }
        }
    }
}
