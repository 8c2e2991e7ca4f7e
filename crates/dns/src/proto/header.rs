//! The 12-byte message header (RFC 1035 §4.1.1, with AD and CD from RFC 4035 §3.2).
//!
//! ```text
//!   0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15
//! +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
//! |                      ID                       |
//! |QR|  Opcode   |AA|TC|RD|RA| Z|AD|CD|   RCODE   |
//! |           QDCOUNT, ANCOUNT, NSCOUNT,          |
//! |                   ARCOUNT                     |
//! +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
//! ```

use std::fmt;

use super::error::Error;
use super::rcode::Rcode;
use super::wire::Reader;

/// The length of the header in bytes.
pub const HEADER_LEN: usize = 12;

/// The kind of query (RFC 1035 §4.1.1): 4 bits.
///
/// ```
/// use netcore_dns::proto::Opcode;
///
/// assert_eq!(Opcode::new(5), Some(Opcode::UPDATE));
/// assert_eq!(Opcode::new(16), None);
/// assert_eq!(Opcode::QUERY.to_string(), "QUERY");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Opcode(u8);

impl Opcode {
    /// A standard query (RFC 1035 §4.1.1).
    pub const QUERY: Opcode = Opcode(0);
    /// An inverse query, obsolete (RFC 3425).
    pub const IQUERY: Opcode = Opcode(1);
    /// A server status request (RFC 1035 §4.1.1).
    pub const STATUS: Opcode = Opcode(2);
    /// A zone change notification (RFC 1996).
    pub const NOTIFY: Opcode = Opcode(4);
    /// A dynamic update (RFC 2136).
    pub const UPDATE: Opcode = Opcode(5);
    /// DNS stateful operations (RFC 8490).
    pub const DSO: Opcode = Opcode(6);

    /// The opcode with this value, `None` over 15.
    pub const fn new(value: u8) -> Option<Opcode> {
        if value <= 0x0f {
            Some(Opcode(value))
        } else {
            None
        }
    }

    /// The opcode's value.
    pub const fn get(self) -> u8 {
        self.0
    }
}

impl fmt::Display for Opcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match *self {
            Opcode::QUERY => "QUERY",
            Opcode::IQUERY => "IQUERY",
            Opcode::STATUS => "STATUS",
            Opcode::NOTIFY => "NOTIFY",
            Opcode::UPDATE => "UPDATE",
            Opcode::DSO => "DSO",
            Opcode(n) => return write!(f, "OPCODE{n}"),
        };
        f.write_str(name)
    }
}

impl fmt::Debug for Opcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Opcode({self})")
    }
}

/// A message's ID and flags. The section counts are not kept: [`Message`](super::Message) holds
/// the sections themselves and counts them when encoding. The reserved Z bit is ignored when
/// decoding and sent as zero (RFC 1035 §4.1.1).
///
/// `rcode` is the whole response code: in a decoded [`Message`](super::Message) it includes the
/// OPT record's upper 8 bits (RFC 6891 §6.1.3); [`Header::decode`] alone sees only the header's
/// 4 bits.
///
/// ```
/// use netcore_dns::proto::{Header, Rcode};
///
/// // A response cut short: the header still says it was truncated.
/// let bytes = [0xbe, 0xef, 0x83, 0x83, 0, 1, 0, 0, 0, 0, 0, 0, 3, b'w'];
/// let header = Header::decode(&bytes)?;
/// assert_eq!(header.id, 0xbeef);
/// assert!(header.qr && header.tc && header.rd && header.ra);
/// assert_eq!(header.rcode, Rcode::NX_DOMAIN);
/// # Ok::<(), netcore_dns::proto::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Header {
    /// Chosen by the querier, copied into the response (RFC 1035 §4.1.1); a resolver picks it at
    /// random and drops responses whose ID differs (RFC 5452 §4.3).
    pub id: u16,
    /// QR: set in responses.
    pub qr: bool,
    /// The kind of query.
    pub opcode: Opcode,
    /// AA: the responder is authoritative for the question's name.
    pub aa: bool,
    /// TC: the response was truncated to fit the transport; retry over TCP (RFC 7766 §5).
    pub tc: bool,
    /// RD: recursion desired, copied into the response.
    pub rd: bool,
    /// RA: recursion available at the responder.
    pub ra: bool,
    /// AD: the data is authenticated by DNSSEC (RFC 4035 §3.2.3, RFC 6840 §5.7).
    pub ad: bool,
    /// CD: checking disabled, DNSSEC validation not wanted (RFC 4035 §3.2.2).
    pub cd: bool,
    /// The response code.
    pub rcode: Rcode,
}

impl Header {
    /// Reads the ID and flags from the first 12 bytes of a message without decoding the rest: a
    /// resolver learns a response's ID, TC flag and rcode even when its body is cut short.
    pub fn decode(msg: &[u8]) -> Result<Header, Error> {
        let mut r = Reader::new(msg);
        let header = Header::read(&mut r)?;
        r.bytes(HEADER_LEN - 4)?;
        Ok(header)
    }

    /// The ID and flags: the first 4 bytes.
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Header, Error> {
        let id = r.u16()?;
        let flags = r.u16()?;
        let bit = |n: u16| flags & (1 << n) != 0;
        Ok(Header {
            id,
            qr: bit(15),
            opcode: Opcode(((flags >> 11) & 0x0f) as u8),
            aa: bit(10),
            tc: bit(9),
            rd: bit(8),
            ra: bit(7),
            ad: bit(5),
            cd: bit(4),
            rcode: Rcode::new(flags & 0x0f).unwrap_or_default(),
        })
    }

    /// The 16-bit flags word, with the low 4 bits of the rcode.
    pub(crate) fn flags(&self) -> u16 {
        let bit = |set: bool, n: u16| u16::from(set) << n;
        bit(self.qr, 15)
            | u16::from(self.opcode.0 & 0x0f) << 11
            | bit(self.aa, 10)
            | bit(self.tc, 9)
            | bit(self.rd, 8)
            | bit(self.ra, 7)
            | bit(self.ad, 5)
            | bit(self.cd, 4)
            | (self.rcode.get() & 0x0f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_bit_by_bit() {
        type Set = fn(&mut Header);
        let table: [(u16, Set); 10] = [
            (0x8000, |h| h.qr = true),
            (0x7800, |h| h.opcode = Opcode(15)),
            (0x2800, |h| h.opcode = Opcode::UPDATE),
            (0x0400, |h| h.aa = true),
            (0x0200, |h| h.tc = true),
            (0x0100, |h| h.rd = true),
            (0x0080, |h| h.ra = true),
            (0x0020, |h| h.ad = true),
            (0x0010, |h| h.cd = true),
            (0x0005, |h| h.rcode = Rcode::REFUSED),
        ];
        for (flags, set) in table {
            let mut want = Header::default();
            set(&mut want);
            assert_eq!(want.flags(), flags);
            let mut bytes = [0u8; HEADER_LEN];
            bytes[2..4].copy_from_slice(&flags.to_be_bytes());
            assert_eq!(Header::decode(&bytes), Ok(want));
        }
        // Z (0x0040) is dropped.
        let mut bytes = [0u8; HEADER_LEN];
        bytes[3] = 0x40;
        assert_eq!(Header::decode(&bytes), Ok(Header::default()));
    }

    #[test]
    fn short_header() {
        assert_eq!(Header::decode(&[0; 3]), Err(Error::Truncated { offset: 2 }));
        assert_eq!(Header::decode(&[0; 11]), Err(Error::Truncated { offset: 4 }));
    }
}
