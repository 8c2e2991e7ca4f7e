//! The crate's error: where a received message breaks RFC 1035 (with the byte offset), why a name
//! in text form does not parse, or why a message cannot be encoded.

use std::fmt;

use super::rcode::Rcode;
use super::rtype::RecordType;

/// Everything that can go wrong, grouped by cause. Small and `Copy`; every decoding error carries
/// the byte offset, counted from the start of the input, where decoding stopped.
///
/// - **A malformed message** from the peer ([`Message::decode`](super::Message::decode)):
///   [`Truncated`](Error::Truncated) … [`TrailingBytes`](Error::TrailingBytes). Node's resolver
///   reports these as `EBADRESP`.
/// - **A malformed name in text form** ([`Name::from_ascii`](super::Name::from_ascii)): the
///   offset is into the text. Node says `EBADNAME`.
/// - **A message this codec will not encode** (local misuse):
///   [`StringTooLong`](Error::StringTooLong) … [`MessageTooLong`](Error::MessageTooLong).
///
/// ```
/// use netcore_dns::proto::{Error, Message};
///
/// let err = Message::decode(&[0x12, 0x34, 0x01]).unwrap_err();
/// assert_eq!(err, Error::Truncated { offset: 2 });
/// assert_eq!(err.to_string(), "message truncated at byte 2");
/// assert_eq!(err.node_code(), "EBADRESP");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    // ----- a malformed message (the peer's fault) -----
    /// The message ends inside the field that starts at `offset` (RFC 1035 §4.1): a header shorter
    /// than 12 bytes, fewer records than the header counts, an RDLENGTH past the end.
    Truncated {
        /// Where the field that does not fit starts.
        offset: usize,
    },
    /// A label length byte whose top bits are `01` or `10` (RFC 1035 §4.1.4 reserves them; the
    /// extended label types of RFC 2671 were withdrawn by RFC 6891).
    BadLabelType {
        /// Where the length byte is.
        offset: usize,
    },
    /// A label over [`MAX_LABEL_LEN`](super::name::MAX_LABEL_LEN) bytes (RFC 1035 §2.3.4). Only
    /// names in text form can have one: on the wire the length byte has 6 bits.
    LabelTooLong {
        /// Where the label starts.
        offset: usize,
    },
    /// A name over [`MAX_NAME_LEN`](super::name::MAX_NAME_LEN) bytes in wire form, counted
    /// uncompressed (RFC 1035 §2.3.4).
    NameTooLong {
        /// Where the label that makes it too long starts.
        offset: usize,
    },
    /// A compression pointer to a later byte (pointers must point backwards, as smoltcp
    /// requires), or to a name that runs past the end of the message.
    BadPointer {
        /// Where the pointer is.
        offset: usize,
    },
    /// A compression pointer into the name it belongs to, itself included: following it would
    /// loop. Each pointer of a name must point before the labels read so far.
    PointerLoop {
        /// Where the pointer is.
        offset: usize,
    },
    /// A name that follows more than [`MAX_POINTER_HOPS`](super::name::MAX_POINTER_HOPS)
    /// compression pointers: a chain of pointers built to make decoding slow.
    TooManyPointers {
        /// Where the pointer over the limit is.
        offset: usize,
    },
    /// RDATA that does not match its RDLENGTH: too short for its type (an `A` record needs 4
    /// bytes), or with bytes left over (RFC 1035 §3.3).
    BadRdataLength {
        /// Where the record's RDLENGTH field is.
        offset: usize,
        /// The record's type.
        rtype: RecordType,
    },
    /// RDATA of the right length that breaks its type's rules: a CAA record with an empty tag
    /// (RFC 8659 §4.1).
    BadRdata {
        /// Where the offending field is.
        offset: usize,
        /// The record's type.
        rtype: RecordType,
    },
    /// An OPT pseudo-record in the answer or authority section: it belongs in the additional
    /// section (RFC 6891 §6.1.1).
    OptNotInAdditional {
        /// Where the record starts.
        offset: usize,
    },
    /// A second OPT record (RFC 6891 §6.1.1: at most one; the responder answers FORMERR).
    DuplicateOpt {
        /// Where the second record starts.
        offset: usize,
    },
    /// An OPT record whose owner name is not the root (RFC 6891 §6.1.2).
    OptNameNotRoot {
        /// Where the record starts.
        offset: usize,
    },
    /// Bytes after the last record the header counts. [`Message::decode`](super::Message::decode)
    /// is strict; [`Message::decode_prefix`](super::Message::decode_prefix) ignores them.
    TrailingBytes {
        /// Where the first extra byte is.
        offset: usize,
    },
    // ----- a malformed name or mnemonic in text form -----
    /// An empty label in a name's text form (`a..b`, `.a`, an empty string).
    EmptyLabel {
        /// Where, in the text, the empty label is.
        offset: usize,
    },
    /// A backslash followed by nothing, by a non-ASCII character, or by digits that are not three
    /// or are over 255 (RFC 1035 §5.1: `\X` and `\DDD`).
    BadEscape {
        /// Where, in the text, the backslash is.
        offset: usize,
    },
    /// A non-ASCII character in a name's text form: internationalised names must be converted to
    /// their `xn--` form (RFC 5891) first, as Node's `dns` does with `toASCII`.
    NonAscii {
        /// Where, in the text, the character starts.
        offset: usize,
    },
    /// A record type or class mnemonic that is neither known (`AAAA`, `IN`) nor the generic form
    /// of RFC 3597 §5 (`TYPE65280`, `CLASS3`).
    UnknownMnemonic,
    // ----- a message that cannot be encoded (the local caller's fault) -----
    /// A character-string over 255 bytes (RFC 1035 §3.3): a TXT string, a NAPTR field, a CAA tag.
    /// Split long TXT data with [`RData::txt`](super::RData::txt).
    StringTooLong {
        /// The type of the record that holds it.
        rtype: RecordType,
        /// The string's length in bytes.
        len: usize,
    },
    /// RDATA this codec will not encode: a CAA record with an empty tag, or an
    /// [`RData::Unknown`](super::RData::Unknown) of type OPT (EDNS goes in
    /// [`Message::edns`](super::Message::edns)).
    InvalidRdata {
        /// The record's type.
        rtype: RecordType,
    },
    /// An rcode over 15 in a message without EDNS: its upper 8 bits travel in the OPT record
    /// (RFC 6891 §6.1.3).
    RcodeNeedsEdns {
        /// The rcode.
        rcode: Rcode,
    },
    /// More than 65 535 entries in one section: the header counts are 16 bits.
    TooManyRecords {
        /// The number of entries.
        count: usize,
    },
    /// A message (or one RDATA) over 65 535 bytes, the most a DNS message can be (RFC 1035 §4.2.2:
    /// TCP's length prefix is 16 bits). Also returned by
    /// [`Message::decode`](super::Message::decode) for a longer input.
    MessageTooLong {
        /// The length reached (when encoding, the length at which encoding stopped).
        len: usize,
    },
}

impl Error {
    /// The byte offset where decoding stopped, for errors that have one.
    ///
    /// ```
    /// use netcore_dns::proto::{Error, Name};
    ///
    /// assert_eq!(Name::from_ascii("a..b").unwrap_err().offset(), Some(2));
    /// assert_eq!(Error::UnknownMnemonic.offset(), None);
    /// ```
    pub fn offset(&self) -> Option<usize> {
        match *self {
            Error::Truncated { offset }
            | Error::BadLabelType { offset }
            | Error::LabelTooLong { offset }
            | Error::NameTooLong { offset }
            | Error::BadPointer { offset }
            | Error::PointerLoop { offset }
            | Error::TooManyPointers { offset }
            | Error::BadRdataLength { offset, .. }
            | Error::BadRdata { offset, .. }
            | Error::OptNotInAdditional { offset }
            | Error::DuplicateOpt { offset }
            | Error::OptNameNotRoot { offset }
            | Error::TrailingBytes { offset }
            | Error::EmptyLabel { offset }
            | Error::BadEscape { offset }
            | Error::NonAscii { offset } => Some(offset),
            Error::UnknownMnemonic
            | Error::StringTooLong { .. }
            | Error::InvalidRdata { .. }
            | Error::RcodeNeedsEdns { .. }
            | Error::TooManyRecords { .. }
            | Error::MessageTooLong { .. } => None,
        }
    }

    /// The error code Node's `dns` module reports for this kind of failure: `EBADRESP` for a
    /// malformed message, `EBADNAME` for a malformed name, `EBADQUERY` for a message that cannot
    /// be encoded, and `ERR_INVALID_ARG_VALUE` for an unknown record type name.
    /// [`NameTooLong`](Error::NameTooLong) says `EBADNAME` although a decoded response can cause
    /// it too; a resolver that wants `EBADRESP` there knows which it called.
    pub fn node_code(&self) -> &'static str {
        match self {
            Error::EmptyLabel { .. }
            | Error::BadEscape { .. }
            | Error::NonAscii { .. }
            | Error::LabelTooLong { .. }
            | Error::NameTooLong { .. } => "EBADNAME",
            Error::UnknownMnemonic => "ERR_INVALID_ARG_VALUE",
            Error::StringTooLong { .. }
            | Error::InvalidRdata { .. }
            | Error::RcodeNeedsEdns { .. }
            | Error::TooManyRecords { .. } => "EBADQUERY",
            _ => "EBADRESP",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::Truncated { offset } => write!(f, "message truncated at byte {offset}"),
            Error::BadLabelType { offset } => write!(f, "reserved label type at byte {offset}"),
            Error::LabelTooLong { offset } => write!(f, "label over 63 bytes at byte {offset}"),
            Error::NameTooLong { offset } => write!(f, "name over 255 bytes at byte {offset}"),
            Error::BadPointer { offset } => {
                write!(f, "compression pointer that does not point backwards at byte {offset}")
            }
            Error::PointerLoop { offset } => write!(f, "compression pointer loop at byte {offset}"),
            Error::TooManyPointers { offset } => {
                write!(f, "too many compression pointers in one name at byte {offset}")
            }
            Error::BadRdataLength { offset, rtype } => {
                write!(f, "record data of type {rtype} does not match its length at byte {offset}")
            }
            Error::BadRdata { offset, rtype } => {
                write!(f, "invalid record data of type {rtype} at byte {offset}")
            }
            Error::OptNotInAdditional { offset } => {
                write!(f, "opt record outside the additional section at byte {offset}")
            }
            Error::DuplicateOpt { offset } => write!(f, "second opt record at byte {offset}"),
            Error::OptNameNotRoot { offset } => {
                write!(f, "opt record not owned by the root at byte {offset}")
            }
            Error::TrailingBytes { offset } => write!(f, "trailing bytes after the message at byte {offset}"),
            Error::EmptyLabel { offset } => write!(f, "empty label in name at byte {offset}"),
            Error::BadEscape { offset } => write!(f, "invalid escape in name at byte {offset}"),
            Error::NonAscii { offset } => write!(f, "non-ascii character in name at byte {offset}"),
            Error::UnknownMnemonic => f.write_str("unknown record type or class name"),
            Error::StringTooLong { rtype, len } => {
                write!(f, "character-string of {len} bytes in a {rtype} record, over 255")
            }
            Error::InvalidRdata { rtype } => write!(f, "record data of type {rtype} cannot be encoded"),
            Error::RcodeNeedsEdns { rcode } => write!(f, "rcode {} needs edns", rcode.get()),
            Error::TooManyRecords { count } => write!(f, "{count} entries in one section, over 65535"),
            Error::MessageTooLong { len } => write!(f, "message of {len} bytes, over 65535"),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_lowercase_without_period() {
        let all = [
            Error::Truncated { offset: 1 },
            Error::BadLabelType { offset: 1 },
            Error::LabelTooLong { offset: 1 },
            Error::NameTooLong { offset: 1 },
            Error::BadPointer { offset: 1 },
            Error::PointerLoop { offset: 1 },
            Error::TooManyPointers { offset: 1 },
            Error::BadRdataLength { offset: 1, rtype: RecordType::A },
            Error::BadRdata { offset: 1, rtype: RecordType::CAA },
            Error::OptNotInAdditional { offset: 1 },
            Error::DuplicateOpt { offset: 1 },
            Error::OptNameNotRoot { offset: 1 },
            Error::TrailingBytes { offset: 1 },
            Error::EmptyLabel { offset: 1 },
            Error::BadEscape { offset: 1 },
            Error::NonAscii { offset: 1 },
            Error::UnknownMnemonic,
            Error::StringTooLong { rtype: RecordType::TXT, len: 256 },
            Error::InvalidRdata { rtype: RecordType::OPT },
            Error::RcodeNeedsEdns { rcode: Rcode::BADVERS },
            Error::TooManyRecords { count: 65536 },
            Error::MessageTooLong { len: 65536 },
        ];
        for e in all {
            let s = e.to_string();
            assert!(!s.ends_with('.'), "{s}");
            assert!(s.chars().next().is_some_and(|c| !c.is_uppercase()), "{s}");
            assert!(!e.node_code().is_empty());
        }
    }
}
