//! Record types (RFC 1035 §3.2.2, the IANA "Resource Record (RR) TYPEs" registry): TYPE in a
//! record, QTYPE in a question.

use std::fmt;
use std::str::FromStr;

use super::error::Error;

/// A record type: any 16-bit value, with the types this codec understands as constants. Types
/// without a constant are kept as raw bytes ([`RData::Unknown`](super::RData::Unknown)).
///
/// Prints and parses as its mnemonic (`AAAA`), or as `TYPE` and the number for types without one
/// (RFC 3597 §5); parsing ignores case.
///
/// ```
/// use netcore_dns::proto::RecordType;
///
/// assert_eq!("aaaa".parse::<RecordType>().unwrap(), RecordType::AAAA);
/// assert_eq!(RecordType::new(65280).to_string(), "TYPE65280");
/// assert_eq!("TYPE28".parse::<RecordType>().unwrap(), RecordType::AAAA);
/// assert_eq!(RecordType::MX.get(), 15);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordType(u16);

impl RecordType {
    /// An IPv4 address (RFC 1035 §3.4.1).
    pub const A: RecordType = RecordType(1);
    /// An authoritative name server (RFC 1035 §3.3.11).
    pub const NS: RecordType = RecordType(2);
    /// The canonical name of an alias (RFC 1035 §3.3.1).
    pub const CNAME: RecordType = RecordType(5);
    /// The start of a zone of authority (RFC 1035 §3.3.13).
    pub const SOA: RecordType = RecordType(6);
    /// A domain name pointer, for reverse lookups (RFC 1035 §3.3.12).
    pub const PTR: RecordType = RecordType(12);
    /// A mail exchange (RFC 1035 §3.3.9).
    pub const MX: RecordType = RecordType(15);
    /// Text strings (RFC 1035 §3.3.14).
    pub const TXT: RecordType = RecordType(16);
    /// An IPv6 address (RFC 3596 §2.1).
    pub const AAAA: RecordType = RecordType(28);
    /// A service location (RFC 2782).
    pub const SRV: RecordType = RecordType(33);
    /// A naming authority pointer (RFC 3403 §4).
    pub const NAPTR: RecordType = RecordType(35);
    /// The EDNS0 pseudo-record (RFC 6891 §6.1.2); decoded into [`Edns`](super::Edns).
    pub const OPT: RecordType = RecordType(41);
    /// A request for all records, only in questions (RFC 1035 §3.2.3, RFC 8482).
    pub const ANY: RecordType = RecordType(255);
    /// A certification authority authorisation (RFC 8659).
    pub const CAA: RecordType = RecordType(257);

    const NAMES: [(RecordType, &'static str); 13] = [
        (RecordType::A, "A"),
        (RecordType::NS, "NS"),
        (RecordType::CNAME, "CNAME"),
        (RecordType::SOA, "SOA"),
        (RecordType::PTR, "PTR"),
        (RecordType::MX, "MX"),
        (RecordType::TXT, "TXT"),
        (RecordType::AAAA, "AAAA"),
        (RecordType::SRV, "SRV"),
        (RecordType::NAPTR, "NAPTR"),
        (RecordType::OPT, "OPT"),
        (RecordType::ANY, "ANY"),
        (RecordType::CAA, "CAA"),
    ];

    /// The type with this number.
    pub const fn new(value: u16) -> RecordType {
        RecordType(value)
    }

    /// The type's number.
    pub const fn get(self) -> u16 {
        self.0
    }

    /// The mnemonic of a type this crate names (`"AAAA"`), `None` for the others.
    pub fn name(self) -> Option<&'static str> {
        RecordType::NAMES.iter().find(|(t, _)| *t == self).map(|(_, n)| *n)
    }
}

impl From<u16> for RecordType {
    fn from(value: u16) -> RecordType {
        RecordType(value)
    }
}

impl From<RecordType> for u16 {
    fn from(t: RecordType) -> u16 {
        t.0
    }
}

impl fmt::Display for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "TYPE{}", self.0),
        }
    }
}

impl fmt::Debug for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecordType({self})")
    }
}

impl FromStr for RecordType {
    type Err = Error;

    /// A mnemonic (any case) or `TYPE` and a decimal number (RFC 3597 §5).
    fn from_str(s: &str) -> Result<RecordType, Error> {
        if let Some((t, _)) = RecordType::NAMES.iter().find(|(_, n)| n.eq_ignore_ascii_case(s)) {
            return Ok(*t);
        }
        generic_number(s, "TYPE").map(RecordType).ok_or(Error::UnknownMnemonic)
    }
}

/// `TYPE65280` → 65280 (RFC 3597 §5): the prefix in any case, then decimal digits only.
pub(crate) fn generic_number(s: &str, prefix: &str) -> Option<u16> {
    let head = s.get(..prefix.len())?;
    let digits = s.get(prefix.len()..)?;
    if !head.eq_ignore_ascii_case(prefix) || digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for (t, name) in RecordType::NAMES {
            assert_eq!(t.to_string(), name);
            assert_eq!(name.parse::<RecordType>(), Ok(t));
            assert_eq!(name.to_ascii_lowercase().parse::<RecordType>(), Ok(t));
        }
    }

    #[test]
    fn generic_form_rfc3597_5() {
        let table: [(&str, Result<RecordType, Error>); 8] = [
            ("TYPE65280", Ok(RecordType::new(65280))),
            ("type1", Ok(RecordType::A)),
            ("TYPE0", Ok(RecordType::new(0))),
            ("TYPE65536", Err(Error::UnknownMnemonic)),
            ("TYPE", Err(Error::UnknownMnemonic)),
            ("TYPE+1", Err(Error::UnknownMnemonic)),
            ("FOO", Err(Error::UnknownMnemonic)),
            ("", Err(Error::UnknownMnemonic)),
        ];
        for (text, want) in table {
            assert_eq!(text.parse::<RecordType>(), want, "{text}");
        }
        assert_eq!(RecordType::new(65280).to_string(), "TYPE65280");
        assert_eq!(format!("{:?}", RecordType::MX), "RecordType(MX)");
    }
}
