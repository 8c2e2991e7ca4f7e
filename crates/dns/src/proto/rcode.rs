//! Response codes (RFC 1035 §4.1.1, extended to 12 bits by RFC 6891 §6.1.3).

use std::fmt;

/// A response code: 4 bits in the header, 8 more in the OPT record when EDNS is in use, so 0 to
/// 4095. [`Message`](super::Message) keeps the whole value in
/// [`Header::rcode`](super::Header::rcode) and splits it when encoding.
///
/// Prints as its IANA mnemonic (`NXDomain`) or `RCODE` and the number.
///
/// ```
/// use netcore_dns::proto::Rcode;
///
/// assert_eq!(Rcode::NX_DOMAIN.get(), 3);
/// assert_eq!(Rcode::NX_DOMAIN.to_string(), "NXDomain");
/// assert_eq!(Rcode::NX_DOMAIN.node_code(), Some("ENOTFOUND"));
/// assert_eq!(Rcode::new(4096), None);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Rcode(u16);

impl Rcode {
    /// No error (RFC 1035 §4.1.1).
    pub const NO_ERROR: Rcode = Rcode(0);
    /// The server could not interpret the query (RFC 1035 §4.1.1).
    pub const FORM_ERR: Rcode = Rcode(1);
    /// The server failed to process the query (RFC 1035 §4.1.1).
    pub const SERV_FAIL: Rcode = Rcode(2);
    /// The name does not exist (RFC 1035 §4.1.1, "Name Error").
    pub const NX_DOMAIN: Rcode = Rcode(3);
    /// The server does not implement this kind of query (RFC 1035 §4.1.1).
    pub const NOT_IMP: Rcode = Rcode(4);
    /// The server refuses to answer, by policy (RFC 1035 §4.1.1).
    pub const REFUSED: Rcode = Rcode(5);
    /// A name exists that should not (RFC 2136 §2.2).
    pub const YX_DOMAIN: Rcode = Rcode(6);
    /// An RR set exists that should not (RFC 2136 §2.2).
    pub const YX_RRSET: Rcode = Rcode(7);
    /// An RR set that should exist does not (RFC 2136 §2.2).
    pub const NX_RRSET: Rcode = Rcode(8);
    /// The server is not authoritative for the zone (RFC 2136 §2.2).
    pub const NOT_AUTH: Rcode = Rcode(9);
    /// A name is not in the zone (RFC 2136 §2.2).
    pub const NOT_ZONE: Rcode = Rcode(10);
    /// The EDNS version is not supported (RFC 6891 §6.1.3); needs the OPT record's upper bits.
    pub const BADVERS: Rcode = Rcode(16);
    /// A bad or missing server cookie (RFC 7873 §8).
    pub const BAD_COOKIE: Rcode = Rcode(23);

    const NAMES: [(Rcode, &'static str); 13] = [
        (Rcode::NO_ERROR, "NoError"),
        (Rcode::FORM_ERR, "FormErr"),
        (Rcode::SERV_FAIL, "ServFail"),
        (Rcode::NX_DOMAIN, "NXDomain"),
        (Rcode::NOT_IMP, "NotImp"),
        (Rcode::REFUSED, "Refused"),
        (Rcode::YX_DOMAIN, "YXDomain"),
        (Rcode::YX_RRSET, "YXRRSet"),
        (Rcode::NX_RRSET, "NXRRSet"),
        (Rcode::NOT_AUTH, "NotAuth"),
        (Rcode::NOT_ZONE, "NotZone"),
        (Rcode::BADVERS, "BADVERS"),
        (Rcode::BAD_COOKIE, "BADCOOKIE"),
    ];

    /// The largest rcode: 12 bits.
    pub const MAX: u16 = 0x0fff;

    /// The rcode with this value, `None` over [`Rcode::MAX`].
    pub const fn new(value: u16) -> Option<Rcode> {
        if value <= Rcode::MAX {
            Some(Rcode(value))
        } else {
            None
        }
    }

    /// The rcode's value.
    pub const fn get(self) -> u16 {
        self.0
    }

    /// Whether this rcode fits the header's 4 bits, without EDNS.
    pub const fn fits_header(self) -> bool {
        self.0 <= 0x0f
    }

    /// The IANA mnemonic of a registered rcode (`"ServFail"`), `None` for the others.
    pub fn name(self) -> Option<&'static str> {
        Rcode::NAMES.iter().find(|(r, _)| *r == self).map(|(_, n)| *n)
    }

    /// The error code Node's `dns` module reports for a response with this rcode (`ENOTFOUND` for
    /// NXDOMAIN, `ESERVFAIL`, `EREFUSED`, …); `None` for NOERROR. Node reports an empty NOERROR
    /// answer as `ENODATA`, which the resolver decides, not the rcode.
    pub fn node_code(self) -> Option<&'static str> {
        match self {
            Rcode::NO_ERROR => None,
            Rcode::FORM_ERR => Some("EFORMERR"),
            Rcode::SERV_FAIL => Some("ESERVFAIL"),
            Rcode::NX_DOMAIN => Some("ENOTFOUND"),
            Rcode::NOT_IMP => Some("ENOTIMP"),
            Rcode::REFUSED => Some("EREFUSED"),
            _ => Some("EBADRESP"),
        }
    }
}

impl From<Rcode> for u16 {
    fn from(r: Rcode) -> u16 {
        r.0
    }
}

impl fmt::Display for Rcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "RCODE{}", self.0),
        }
    }
}

impl fmt::Debug for Rcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Rcode({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_node_codes() {
        let table = [
            (Rcode::NO_ERROR, "NoError", None),
            (Rcode::FORM_ERR, "FormErr", Some("EFORMERR")),
            (Rcode::SERV_FAIL, "ServFail", Some("ESERVFAIL")),
            (Rcode::NX_DOMAIN, "NXDomain", Some("ENOTFOUND")),
            (Rcode::NOT_IMP, "NotImp", Some("ENOTIMP")),
            (Rcode::REFUSED, "Refused", Some("EREFUSED")),
            (Rcode::BADVERS, "BADVERS", Some("EBADRESP")),
        ];
        for (rcode, name, node) in table {
            assert_eq!(rcode.to_string(), name);
            assert_eq!(rcode.node_code(), node);
        }
        assert_eq!(Rcode::new(4000).map(|r| r.to_string()), Some("RCODE4000".to_owned()));
        assert_eq!(Rcode::new(4095).map(Rcode::get), Some(4095));
        assert_eq!(Rcode::new(4096), None);
        assert!(Rcode::REFUSED.fits_header() && !Rcode::BADVERS.fits_header());
    }
}
