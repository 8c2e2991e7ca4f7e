//! Record data (RDATA) of each type this codec understands, and raw bytes for the others.
//!
//! Compression (RFC 3597 §4): names in the RDATA of the RFC 1035 types (CNAME, MX, NS, PTR, SOA)
//! are compressed when encoding; SRV targets (RFC 2782: "name compression is not to be used for
//! this field") and NAPTR replacements (RFC 3403 §4.1) are not. Decoding accepts pointers in the
//! names of every type it knows.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::compress::Writer;
use super::error::Error;
use super::name::Name;
use super::rtype::RecordType;
use super::wire::Reader;

/// The longest `<character-string>` (RFC 1035 §3.3): a length byte, then the bytes.
pub const MAX_CHARACTER_STRING_LEN: usize = 255;

/// A record's data, by type. The type of a [`Record`](super::Record) is the type of its data.
///
/// ```
/// use netcore_dns::proto::{Name, RData, RecordType};
///
/// let mx = RData::Mx { preference: 10, exchange: Name::from_ascii("mail.example.com")? };
/// assert_eq!(mx.rtype(), RecordType::MX);
///
/// // A DKIM key longer than one character-string, split into 255-byte strings.
/// let txt = RData::txt(vec![b'k'; 400]);
/// assert_eq!(txt, RData::Txt(vec![vec![b'k'; 255], vec![b'k'; 145]]));
/// # Ok::<(), netcore_dns::proto::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RData {
    /// An IPv4 address (RFC 1035 §3.4.1).
    A(Ipv4Addr),
    /// An IPv6 address (RFC 3596 §2.2).
    Aaaa(Ipv6Addr),
    /// The canonical name for the owner, an alias (RFC 1035 §3.3.1).
    Cname(Name),
    /// A mail exchange (RFC 1035 §3.3.9).
    Mx {
        /// Lower is preferred.
        preference: u16,
        /// The host.
        exchange: Name,
    },
    /// An authoritative name server (RFC 1035 §3.3.11).
    Ns(Name),
    /// A pointer to a name, in reverse lookups (RFC 1035 §3.3.12).
    Ptr(Name),
    /// The start of a zone of authority (RFC 1035 §3.3.13); its `minimum` is the TTL of negative
    /// answers (RFC 2308 §4).
    Soa {
        /// The primary name server.
        mname: Name,
        /// The mailbox of the person responsible, its `@` a dot.
        rname: Name,
        /// The zone's version.
        serial: u32,
        /// Seconds between secondaries' refreshes.
        refresh: u32,
        /// Seconds before a failed refresh is retried.
        retry: u32,
        /// Seconds after which a secondary stops answering without a refresh.
        expire: u32,
        /// The TTL of negative answers, in seconds.
        minimum: u32,
    },
    /// A service location (RFC 2782).
    Srv {
        /// Lower is tried first.
        priority: u16,
        /// Relative weight among targets of equal priority.
        weight: u16,
        /// The port of the service.
        port: u16,
        /// The host; `.` means the service is not offered.
        target: Name,
    },
    /// Text: one or more character-strings of at most 255 bytes each (RFC 1035 §3.3.14), kept
    /// apart as Node's `resolveTxt` returns them. A string over 255 bytes is an encoding error;
    /// [`RData::txt`] splits long data. An empty RDATA decodes to no strings, and no strings
    /// encode to an empty RDATA.
    Txt(Vec<Vec<u8>>),
    /// A certification authority authorisation (RFC 8659 §4.1).
    Caa {
        /// Bit 7 (128) is "issuer critical".
        flags: u8,
        /// The property: `issue`, `issuewild`, `iodef`…; 1 to 255 bytes.
        tag: Vec<u8>,
        /// The property's value, the rest of the RDATA.
        value: Vec<u8>,
    },
    /// A naming authority pointer (RFC 3403 §4.1).
    Naptr {
        /// Lower is processed first.
        order: u16,
        /// Lower is preferred among equal orders.
        preference: u16,
        /// Flags such as `S`, `A`, `U`, `P` (a character-string).
        flags: Vec<u8>,
        /// The service parameters (a character-string).
        services: Vec<u8>,
        /// A substitution expression (a character-string).
        regexp: Vec<u8>,
        /// The next name to query, `.` when `regexp` is used.
        replacement: Name,
    },
    /// A type this codec does not interpret, kept as raw bytes (RFC 3597). A known type given
    /// here is encoded from these bytes and decodes to its typed variant.
    Unknown {
        /// The type.
        rtype: RecordType,
        /// The RDATA, as received.
        data: Vec<u8>,
    },
}

impl RData {
    /// The record type of this data.
    pub fn rtype(&self) -> RecordType {
        match self {
            RData::A(_) => RecordType::A,
            RData::Aaaa(_) => RecordType::AAAA,
            RData::Cname(_) => RecordType::CNAME,
            RData::Mx { .. } => RecordType::MX,
            RData::Ns(_) => RecordType::NS,
            RData::Ptr(_) => RecordType::PTR,
            RData::Soa { .. } => RecordType::SOA,
            RData::Srv { .. } => RecordType::SRV,
            RData::Txt(_) => RecordType::TXT,
            RData::Caa { .. } => RecordType::CAA,
            RData::Naptr { .. } => RecordType::NAPTR,
            RData::Unknown { rtype, .. } => *rtype,
        }
    }

    /// TXT data from bytes of any length, split into character-strings of 255 bytes (the way
    /// long SPF and DKIM records are published, RFC 7208 §3.3). Empty data is one empty string.
    pub fn txt(data: impl AsRef<[u8]>) -> RData {
        let data = data.as_ref();
        if data.is_empty() {
            return RData::Txt(vec![Vec::new()]);
        }
        RData::Txt(data.chunks(MAX_CHARACTER_STRING_LEN).map(<[u8]>::to_vec).collect())
    }

    /// Decodes the RDATA of type `rtype` that `r` covers exactly (its limit is the RDATA's end).
    /// `rdlength_at` is where the RDLENGTH field is, for errors.
    pub(crate) fn decode(r: &mut Reader<'_>, rtype: RecordType, rdlength_at: usize) -> Result<RData, Error> {
        let bad_length = Error::BadRdataLength { offset: rdlength_at, rtype };
        let data = match RData::decode_fields(r, rtype) {
            Ok(data) => data,
            // Running past the RDATA's end: RDLENGTH is too small for the type.
            Err(Error::Truncated { .. }) => return Err(bad_length),
            Err(e) => return Err(e),
        };
        if r.remaining() != 0 {
            return Err(bad_length);
        }
        Ok(data)
    }

    fn decode_fields(r: &mut Reader<'_>, rtype: RecordType) -> Result<RData, Error> {
        Ok(match rtype {
            RecordType::A => RData::A(Ipv4Addr::from(r.array::<4>()?)),
            RecordType::AAAA => RData::Aaaa(Ipv6Addr::from(r.array::<16>()?)),
            RecordType::CNAME => RData::Cname(r.name()?),
            RecordType::NS => RData::Ns(r.name()?),
            RecordType::PTR => RData::Ptr(r.name()?),
            RecordType::MX => RData::Mx { preference: r.u16()?, exchange: r.name()? },
            RecordType::SOA => RData::Soa {
                mname: r.name()?,
                rname: r.name()?,
                serial: r.u32()?,
                refresh: r.u32()?,
                retry: r.u32()?,
                expire: r.u32()?,
                minimum: r.u32()?,
            },
            RecordType::SRV => {
                RData::Srv { priority: r.u16()?, weight: r.u16()?, port: r.u16()?, target: r.name()? }
            }
            RecordType::TXT => {
                let mut strings = Vec::new();
                while r.remaining() > 0 {
                    strings.push(r.character_string()?.to_vec());
                }
                RData::Txt(strings)
            }
            RecordType::CAA => {
                let flags = r.u8()?;
                let tag_at = r.pos();
                let tag = r.character_string()?;
                if tag.is_empty() {
                    // RFC 8659 §4.1: "The tag length MUST be at least 1".
                    return Err(Error::BadRdata { offset: tag_at, rtype });
                }
                RData::Caa { flags, tag: tag.to_vec(), value: r.rest()?.to_vec() }
            }
            RecordType::NAPTR => RData::Naptr {
                order: r.u16()?,
                preference: r.u16()?,
                flags: r.character_string()?.to_vec(),
                services: r.character_string()?.to_vec(),
                regexp: r.character_string()?.to_vec(),
                replacement: r.name()?,
            },
            _ => RData::Unknown { rtype, data: r.rest()?.to_vec() },
        })
    }

    /// Appends the RDATA (without RDLENGTH).
    pub(crate) fn encode(&self, w: &mut Writer<'_>) -> Result<(), Error> {
        let rtype = self.rtype();
        let string = |w: &mut Writer<'_>, s: &[u8]| match u8::try_from(s.len()) {
            Ok(len) => {
                w.u8(len);
                w.bytes(s);
                Ok(())
            }
            Err(_) => Err(Error::StringTooLong { rtype, len: s.len() }),
        };
        match self {
            RData::A(ip) => w.bytes(&ip.octets()),
            RData::Aaaa(ip) => w.bytes(&ip.octets()),
            RData::Cname(name) | RData::Ns(name) | RData::Ptr(name) => w.name(name, true),
            RData::Mx { preference, exchange } => {
                w.u16(*preference);
                w.name(exchange, true);
            }
            RData::Soa { mname, rname, serial, refresh, retry, expire, minimum } => {
                w.name(mname, true);
                w.name(rname, true);
                for v in [serial, refresh, retry, expire, minimum] {
                    w.u32(*v);
                }
            }
            RData::Srv { priority, weight, port, target } => {
                for v in [priority, weight, port] {
                    w.u16(*v);
                }
                w.name(target, false); // RFC 2782
            }
            RData::Txt(strings) => {
                for s in strings {
                    string(w, s)?;
                }
            }
            RData::Caa { flags, tag, value } => {
                if tag.is_empty() {
                    return Err(Error::InvalidRdata { rtype });
                }
                w.u8(*flags);
                string(w, tag)?;
                w.bytes(value);
            }
            RData::Naptr { order, preference, flags, services, regexp, replacement } => {
                w.u16(*order);
                w.u16(*preference);
                for s in [flags, services, regexp] {
                    string(w, s)?;
                }
                w.name(replacement, false); // RFC 3403 §4.1
            }
            RData::Unknown { rtype: RecordType::OPT, .. } => return Err(Error::InvalidRdata { rtype }),
            RData::Unknown { data, .. } => w.bytes(data),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> Name {
        Name::from_ascii(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    /// Decodes `rdata` as the RDATA of a record of type `rtype` placed after `prefix` (the earlier
    /// part of a message, for pointers).
    fn decode(prefix: &[u8], rtype: RecordType, rdata: &[u8]) -> Result<RData, Error> {
        let msg = [prefix, rdata].concat();
        let mut r = Reader::new(&msg);
        r.bytes(prefix.len())?;
        let mut sub = r.sub(rdata.len())?;
        RData::decode(&mut sub, rtype, 0)
    }

    fn encode(data: &RData) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        data.encode(&mut Writer::new(&mut out))?;
        Ok(out)
    }

    /// RDATA in the examples' wire form, one per type, from the RFCs that define them.
    #[test]
    fn wire_forms_of_each_type() {
        let table: Vec<(RData, &[u8])> = vec![
            // RFC 1035 §3.4.1: 10.2.0.52.
            (RData::A(Ipv4Addr::new(10, 2, 0, 52)), b"\x0a\x02\x00\x34"),
            // RFC 3596 §2.2: 16 bytes, network order.
            (
                RData::Aaaa("2001:db8::1".parse().unwrap_or(Ipv6Addr::UNSPECIFIED)),
                b"\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01",
            ),
            (RData::Cname(name("a.b")), b"\x01a\x01b\0"),
            (RData::Ns(name("ns")), b"\x02ns\0"),
            (RData::Ptr(name(".")), b"\0"),
            (RData::Mx { preference: 10, exchange: name("mx") }, b"\0\x0a\x02mx\0"),
            (
                RData::Soa {
                    mname: name("ns"),
                    rname: name("h"),
                    serial: 1,
                    refresh: 2,
                    retry: 3,
                    expire: 4,
                    minimum: 5,
                },
                b"\x02ns\0\x01h\0\0\0\0\x01\0\0\0\x02\0\0\0\x03\0\0\0\x04\0\0\0\x05",
            ),
            // RFC 2782: priority, weight, port, target.
            (
                RData::Srv { priority: 1, weight: 2, port: 5060, target: name("sip") },
                b"\0\x01\0\x02\x13\xc4\x03sip\0",
            ),
            (RData::Txt(vec![b"v=spf1".to_vec(), Vec::new()]), b"\x06v=spf1\x00"),
            (RData::Txt(Vec::new()), b""),
            // RFC 8659 §4.1: 0 issue "ca.example.net".
            (
                RData::Caa { flags: 0, tag: b"issue".to_vec(), value: b"ca.example.net".to_vec() },
                b"\x00\x05issueca.example.net",
            ),
            // RFC 3403 §6.2: 100 10 "u" "E2U+sip" "!^.*$!sip:info@example.com!" .
            (
                RData::Naptr {
                    order: 100,
                    preference: 10,
                    flags: b"u".to_vec(),
                    services: b"E2U+sip".to_vec(),
                    regexp: b"!^.*$!sip:info@example.com!".to_vec(),
                    replacement: Name::root(),
                },
                b"\0\x64\0\x0a\x01u\x07E2U+sip\x1b!^.*$!sip:info@example.com!\0",
            ),
            (RData::Unknown { rtype: RecordType::new(65280), data: vec![1, 2, 3] }, b"\x01\x02\x03"),
            (RData::Unknown { rtype: RecordType::new(99), data: Vec::new() }, b""),
        ];
        for (data, wire) in table {
            assert_eq!(encode(&data).as_deref(), Ok(wire), "{data:?}");
            assert_eq!(decode(b"", data.rtype(), wire), Ok(data.clone()), "{data:?}");
        }
    }

    #[test]
    fn rdata_must_fill_rdlength_exactly() {
        let table: [(RecordType, &[u8]); 12] = [
            (RecordType::A, b"\x01\x02\x03"),
            (RecordType::A, b"\x01\x02\x03\x04\x05"),
            (RecordType::AAAA, &[0; 4]),
            (RecordType::CNAME, b"\x01a"),
            (RecordType::CNAME, b"\x01a\0\0"),
            (RecordType::MX, b"\0"),
            (RecordType::SOA, b"\0\0\0\0\0"),
            (RecordType::SRV, b"\0\0\0\0\0\0"),
            (RecordType::TXT, b"\x03ab"),
            (RecordType::CAA, b"\0"),
            (RecordType::CAA, b"\0\x05iss"),
            (RecordType::NAPTR, b"\0\0\0\0\x01u\0\0"),
        ];
        for (rtype, rdata) in table {
            assert_eq!(decode(b"", rtype, rdata), Err(Error::BadRdataLength { offset: 0, rtype }), "{rtype}");
        }
    }

    #[test]
    fn names_in_rdata_may_be_compressed_when_decoding() {
        let prefix = b"\x07example\x03com\0";
        for rtype in [RecordType::CNAME, RecordType::NS, RecordType::PTR] {
            let got = decode(prefix, rtype, b"\x03www\xc0\x00");
            assert_eq!(got.map(|d| d.to_owned_name()), Ok(Some(name("www.example.com"))));
        }
        let srv = decode(prefix, RecordType::SRV, b"\0\x01\0\x02\0\x03\xc0\x00");
        assert_eq!(srv, Ok(RData::Srv { priority: 1, weight: 2, port: 3, target: name("example.com") }));
        let naptr = decode(prefix, RecordType::NAPTR, b"\0\x01\0\x02\0\0\0\xc0\x08");
        assert!(matches!(naptr, Ok(RData::Naptr { replacement, .. }) if replacement == name("com")));
        // A pointer into the RDATA's own name loops.
        assert_eq!(decode(b"", RecordType::CNAME, b"\x01a\xc0\x00"), Err(Error::PointerLoop { offset: 2 }));
    }

    #[test]
    fn caa_tag_rules() {
        assert_eq!(
            decode(b"", RecordType::CAA, b"\x80\x00value"),
            Err(Error::BadRdata { offset: 1, rtype: RecordType::CAA })
        );
        let empty = RData::Caa { flags: 0, tag: Vec::new(), value: Vec::new() };
        assert_eq!(encode(&empty), Err(Error::InvalidRdata { rtype: RecordType::CAA }));
        let long = RData::Caa { flags: 0, tag: vec![b'a'; 256], value: Vec::new() };
        assert_eq!(encode(&long), Err(Error::StringTooLong { rtype: RecordType::CAA, len: 256 }));
    }

    #[test]
    fn txt_strings_at_and_past_255() {
        let at = RData::Txt(vec![vec![b'x'; 255], vec![b'y'; 255]]);
        let wire = encode(&at).unwrap_or_default();
        assert_eq!(wire.len(), 512);
        assert_eq!(decode(b"", RecordType::TXT, &wire), Ok(at));
        let past = RData::Txt(vec![b"ok".to_vec(), vec![b'x'; 256]]);
        assert_eq!(encode(&past), Err(Error::StringTooLong { rtype: RecordType::TXT, len: 256 }));
        assert_eq!(RData::txt(b""), RData::Txt(vec![Vec::new()]));
        assert_eq!(RData::txt([1u8; 510]), RData::Txt(vec![vec![1; 255]; 2]));
        let naptr = RData::Naptr {
            order: 0,
            preference: 0,
            flags: Vec::new(),
            services: Vec::new(),
            regexp: vec![b'r'; 300],
            replacement: Name::root(),
        };
        assert_eq!(encode(&naptr), Err(Error::StringTooLong { rtype: RecordType::NAPTR, len: 300 }));
    }

    #[test]
    fn opt_is_not_rdata() {
        let opt = RData::Unknown { rtype: RecordType::OPT, data: Vec::new() };
        assert_eq!(encode(&opt), Err(Error::InvalidRdata { rtype: RecordType::OPT }));
    }

    impl RData {
        fn to_owned_name(&self) -> Option<Name> {
            match self {
                RData::Cname(n) | RData::Ns(n) | RData::Ptr(n) => Some(n.clone()),
                _ => None,
            }
        }
    }
}
