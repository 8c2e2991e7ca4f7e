//! EDNS(0) (RFC 6891): the OPT pseudo-record, kept apart from the additional section as
//! [`Message::edns`](super::Message::edns).
//!
//! ```text
//! NAME  = root (0)            TYPE = OPT (41)
//! CLASS = UDP payload size    TTL  = extended RCODE (8) | VERSION (8) | DO (1) | Z (15)
//! RDATA = { OPTION-CODE (16) | OPTION-LENGTH (16) | OPTION-DATA } …
//! ```

use super::compress::Writer;
use super::error::Error;
use super::rtype::RecordType;
use super::wire::Reader;

/// The UDP payload size to advertise: 1232 bytes, the DNS Flag Day 2020 value, which fits an
/// IPv6 packet within the minimum MTU of 1280 without fragmentation.
pub const DEFAULT_EDNS_PAYLOAD: u16 = 1232;

/// One EDNS option (RFC 6891 §6.1.2), kept raw: a cookie (10), padding (12), client subnet (8)…
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EdnsOption {
    /// OPTION-CODE.
    pub code: u16,
    /// OPTION-DATA.
    pub data: Vec<u8>,
}

impl EdnsOption {
    fn decode(r: &mut Reader<'_>) -> Result<EdnsOption, Error> {
        let code = r.u16()?;
        let len = r.u16()?;
        Ok(EdnsOption { code, data: r.bytes(usize::from(len))?.to_vec() })
    }
}

/// A message's OPT record (RFC 6891 §6.1): what the sender can receive and which EDNS it speaks.
/// The extended rcode bits live in [`Header::rcode`](super::Header::rcode), not here.
///
/// ```
/// use netcore_dns::proto::{Edns, DEFAULT_EDNS_PAYLOAD};
///
/// let edns = Edns::new(DEFAULT_EDNS_PAYLOAD);
/// assert_eq!((edns.udp_payload_size, edns.version, edns.dnssec_ok), (1232, 0, false));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Edns {
    /// The largest UDP payload the sender can reassemble (the OPT record's CLASS). Values under
    /// 512 are to be treated as 512 (RFC 6891 §6.2.3); kept as received.
    pub udp_payload_size: u16,
    /// The EDNS version; only 0 is defined. A responder that does not speak the version asked
    /// for answers BADVERS (RFC 6891 §6.1.3).
    pub version: u8,
    /// DO: DNSSEC records wanted (RFC 3225).
    pub dnssec_ok: bool,
    /// The other 15 flag bits, zero unless a future RFC defines them; kept as received. Bit 15
    /// is DO and is ignored here.
    pub z: u16,
    /// The options, in order.
    pub options: Vec<EdnsOption>,
}

impl Edns {
    /// EDNS version 0 advertising `udp_payload_size`, without DO or options.
    pub fn new(udp_payload_size: u16) -> Edns {
        Edns { udp_payload_size, version: 0, dnssec_ok: false, z: 0, options: Vec::new() }
    }

    /// Decodes an OPT record's fields after its owner name and type: CLASS, TTL and the RDATA.
    /// Returns the EDNS fields and the upper 8 bits of the rcode.
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<(Edns, u8), Error> {
        let udp_payload_size = r.u16()?;
        let [extended_rcode, version, flags_high, flags_low] = r.array::<4>()?;
        let flags = u16::from_be_bytes([flags_high, flags_low]);
        let rdlength_at = r.pos();
        let rdlength = r.u16()?;
        let mut rdata = r.sub(usize::from(rdlength))?;
        let mut options = Vec::new();
        while rdata.remaining() > 0 {
            let option = EdnsOption::decode(&mut rdata)
                .map_err(|_| Error::BadRdataLength { offset: rdlength_at, rtype: RecordType::OPT })?;
            options.push(option);
        }
        r.set_pos(rdata.pos());
        let edns =
            Edns { udp_payload_size, version, dnssec_ok: flags & 0x8000 != 0, z: flags & 0x7fff, options };
        Ok((edns, extended_rcode))
    }

    /// Encodes the whole OPT record, `extended_rcode` being the rcode's upper 8 bits.
    pub(crate) fn encode(&self, extended_rcode: u8, w: &mut Writer<'_>) -> Result<(), Error> {
        w.u8(0); // the root: RFC 6891 §6.1.2
        w.u16(RecordType::OPT.get());
        w.u16(self.udp_payload_size);
        w.u8(extended_rcode);
        w.u8(self.version);
        w.u16(u16::from(self.dnssec_ok) << 15 | (self.z & 0x7fff));
        let rdlength_at = w.len();
        w.u16(0);
        for option in &self.options {
            w.u16(option.code);
            let len = u16::try_from(option.data.len())
                .map_err(|_| Error::MessageTooLong { len: w.len() + option.data.len() })?;
            w.u16(len);
            w.bytes(&option.data);
        }
        let rdlength = w.len() - rdlength_at - 2;
        let rdlength = u16::try_from(rdlength).map_err(|_| Error::MessageTooLong { len: w.len() })?;
        w.patch_u16(rdlength_at, rdlength);
        Ok(())
    }
}

impl Default for Edns {
    /// EDNS version 0 advertising [`DEFAULT_EDNS_PAYLOAD`].
    fn default() -> Edns {
        Edns::new(DEFAULT_EDNS_PAYLOAD)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6891 §6.1.2 and §6.1.3: the OPT record's fields in the CLASS and TTL.
    #[test]
    fn rfc6891_6_1_opt_layout() {
        let edns = Edns {
            udp_payload_size: 1232,
            version: 0,
            dnssec_ok: true,
            z: 0,
            options: vec![EdnsOption { code: 10, data: vec![1, 2, 3, 4, 5, 6, 7, 8] }],
        };
        let mut out = Vec::new();
        let result = edns.encode(0x01, &mut Writer::new(&mut out));
        assert_eq!(result, Ok(()));
        let want: &[u8] =
            b"\0\0\x29\x04\xd0\x01\x00\x80\x00\0\x0c\0\x0a\0\x08\x01\x02\x03\x04\x05\x06\x07\x08";
        assert_eq!(out, want);
        let mut r = Reader::new(&out);
        assert_eq!(r.bytes(3).map(<[u8]>::len), Ok(3));
        assert_eq!(Edns::decode(&mut r), Ok((edns, 1)));
        assert_eq!(r.remaining(), 0);
    }

    #[test]
    fn options_must_fill_rdata() {
        let bad = Error::BadRdataLength { offset: 6, rtype: RecordType::OPT };
        let table: [&[u8]; 3] = [
            b"\x04\xd0\0\0\0\0\0\x01\x00",
            b"\x04\xd0\0\0\0\0\0\x05\0\x0c\0\x02\x00",
            b"\x04\xd0\0\0\0\0\0\x03\0\x0c\0",
        ];
        for rdata in table {
            assert_eq!(Edns::decode(&mut Reader::new(rdata)), Err(bad), "{rdata:?}");
        }
        assert_eq!(
            Edns::decode(&mut Reader::new(b"\x04\xd0\0\0\0\0\0\x05\0")),
            Err(Error::Truncated { offset: 8 })
        );
    }
}
