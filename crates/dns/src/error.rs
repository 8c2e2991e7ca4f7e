//! The error of a lookup or a query, with Node's codes.

use std::fmt;

/// Why a query failed: Node's `dns` codes (`err.code`).
///
/// ```
/// use netcore_dns::Code;
/// assert_eq!(Code::NotFound.as_str(), "ENOTFOUND"); // NXDOMAIN
/// assert_eq!(Code::NoData.as_str(), "ENODATA"); // the name exists, without records of the type
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Code {
    /// The name does not exist (NXDOMAIN) or has no address (`ENOTFOUND`).
    NotFound,
    /// The name exists but has no records of the type asked for (`ENODATA`).
    NoData,
    /// The server failed (SERVFAIL, `ESERVFAIL`).
    ServFail,
    /// The server refused (REFUSED, `EREFUSED`).
    Refused,
    /// The server said our query was malformed (FORMERR, `EFORMERR`).
    FormErr,
    /// The server does not implement the query (NOTIMP, `ENOTIMP`).
    NotImp,
    /// No server answered in time, after every try (`ETIMEOUT`).
    Timeout,
    /// A server's answer was malformed (`EBADRESP`).
    BadResponse,
    /// No server listens (ICMP port unreachable, or TCP refused) (`ECONNREFUSED`).
    ConnRefused,
    /// The query was cancelled (`ECANCELLED`).
    Cancelled,
    /// The name is not a valid domain name (`EBADNAME`).
    BadName,
    /// The resolver could not be reached now; try again (`EAI_AGAIN`, from `lookup`).
    Again,
    /// A local failure: no socket could be opened (`EIO`).
    Io,
}

impl Code {
    /// Node's name for the code.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::NotFound => "ENOTFOUND",
            Code::NoData => "ENODATA",
            Code::ServFail => "ESERVFAIL",
            Code::Refused => "EREFUSED",
            Code::FormErr => "EFORMERR",
            Code::NotImp => "ENOTIMP",
            Code::Timeout => "ETIMEOUT",
            Code::BadResponse => "EBADRESP",
            Code::ConnRefused => "ECONNREFUSED",
            Code::Cancelled => "ECANCELLED",
            Code::BadName => "EBADNAME",
            Code::Again => "EAI_AGAIN",
            Code::Io => "EIO",
        }
    }
}

/// A failed lookup or query, as Node reports it: the code, the name asked about, and the
/// operation (`syscall`: `queryA`, `queryMx`, `getaddrinfo`, …).
///
/// ```
/// use netcore_dns::{Code, Error};
/// let e = Error::new(Code::NotFound, "queryA", "nope.test");
/// assert_eq!(e.code(), "ENOTFOUND");
/// assert_eq!(e.to_string(), "queryA ENOTFOUND nope.test");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What went wrong.
    pub kind: Code,
    /// The operation, Node's `err.syscall`.
    pub syscall: &'static str,
    /// The name asked about, Node's `err.hostname`.
    pub hostname: String,
}

impl Error {
    /// An error of `kind` from `syscall` about `hostname`.
    pub fn new(kind: Code, syscall: &'static str, hostname: impl Into<String>) -> Error {
        Error { kind, syscall, hostname: hostname.into() }
    }

    /// Node's code, e.g. `"ENOTFOUND"`.
    pub fn code(&self) -> &'static str {
        self.kind.as_str()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Node's message: `queryA ENOTFOUND example.invalid`.
        write!(f, "{} {} {}", self.syscall, self.code(), self.hostname)
    }
}

impl std::error::Error for Error {}
