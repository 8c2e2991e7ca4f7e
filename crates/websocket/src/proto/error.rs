//! The crate's error: which rule of RFC 6455 the peer broke (and the close code that answers
//! it), which limit it exceeded, or how the local caller misused the session.

use std::fmt;
use std::io;

use super::close::CloseCode;
use super::utf8::Utf8Error;

/// Which configured limit a peer exceeded (see [`Config`](super::session::Config)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Limit {
    /// One frame's payload length (`max_frame_size`).
    FrameSize,
    /// One message's payload length, all its fragments together (`max_message_size`); also the
    /// inflated size of a compressed message, when the inflating layer reports it.
    MessageSize,
    /// Frames in one fragmented message (`max_fragments`).
    Fragments,
}

impl Limit {
    fn describe(self) -> &'static str {
        match self {
            Limit::FrameSize => "frame payload",
            Limit::MessageSize => "message payload",
            Limit::Fragments => "fragments in a message",
        }
    }
}

/// Everything that can go wrong, grouped by whose fault it is: the peer's (a protocol
/// violation, invalid data or an exceeded limit; fatal: the session stays failed and the caller
/// should close with [`close_code`](Error::close_code)), or the local caller's (misuse and
/// sending after close; the session is unchanged). Small and `Copy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    // ----- protocol violations by the peer (close code 1002) -----
    /// An opcode RFC 6455 reserves: 3–7 or 11–15 (§5.2).
    ReservedOpcode(u8),
    /// RSV2 or RSV3 set: no negotiated extension defines them (§5.2).
    UnexpectedRsv2Rsv3,
    /// RSV1 set although no extension that defines it was negotiated (§5.2).
    UnexpectedRsv1,
    /// RSV1 set on a continuation or control frame: permessage-deflate marks only a message's
    /// first frame (RFC 7692 §6).
    MisplacedRsv1,
    /// A client frame without a mask, received by a server (§5.1).
    UnmaskedFrame,
    /// A server frame with a mask, received by a client (§5.1).
    MaskedFrame,
    /// A payload length not in the minimal number of bytes (§5.2).
    NonMinimalLength,
    /// A 64-bit payload length with its most significant bit set (§5.2).
    LengthOverflow,
    /// A control frame with a payload over 125 bytes (§5.5).
    ControlFrameTooLong,
    /// A control frame without FIN (§5.5).
    FragmentedControlFrame,
    /// A continuation frame with no fragmented message to continue (§5.4).
    UnexpectedContinuation,
    /// A new Text or Binary frame before the fragmented message in progress ended (§5.4).
    ExpectedContinuation,
    /// A Close payload of one byte: a code needs two (§5.5.1).
    InvalidClosePayload,
    /// A Close frame with a code that may not be sent (§7.4), e.g. 1005 or 2000.
    InvalidCloseCode(u16),
    // ----- invalid data (close code 1007) -----
    /// A text message (or a Close reason) that is not UTF-8 (§8.1): `offset` is where the
    /// invalid sequence starts, counted from the start of the message (or of the reason).
    InvalidUtf8 {
        /// Byte offset of the first byte of the invalid sequence.
        offset: usize,
    },
    /// A compressed message that does not inflate (RFC 7692 §6.2); reported by the inflating
    /// layer through [`Session::fail`](super::session::Session::fail).
    InvalidCompressedData,
    // ----- limits (close code 1009; 1008 for the fragment count, as Node ws) -----
    /// The peer sent more than a configured limit allows.
    LimitExceeded {
        /// Which limit.
        what: Limit,
        /// The size the peer asked for (for fragments: the count including the offending frame).
        size: u64,
        /// The configured maximum.
        max: u64,
    },
    // ----- local: sending after close, misuse -----
    /// Sending after this side's Close frame was sent, or closing twice (§5.5.1: nothing may
    /// follow a Close).
    Closed,
    /// A Ping or Pong payload over 125 bytes (§5.5).
    ControlPayloadTooLong {
        /// The payload length asked for.
        len: usize,
    },
    /// A Close reason over 123 bytes (§5.5.1).
    CloseReasonTooLong {
        /// The reason's length in bytes.
        len: usize,
    },
    /// A Close reason without a code: the reason follows the code on the wire (§5.5.1).
    ReasonWithoutCode,
    /// A compressed (RSV1) send on a session whose configuration does not allow RSV1.
    CompressionNotNegotiated,
    /// A whole message sent while a fragmented send is unfinished (§5.4: no interleaving).
    MessageInProgress,
    /// A fragment that continues the unfinished message with another type or compression.
    FragmentMismatch,
}

impl Error {
    /// The close code to send when failing the connection because of this error (§7.4.1): 1002
    /// for protocol violations, 1007 for invalid data, 1009 for size limits (1008 for the
    /// fragment count, as Node `ws`), and 1011 for the local errors, which do not call for
    /// closing at all.
    ///
    /// ```
    /// use netcore_websocket::proto::{CloseCode, Error};
    /// assert_eq!(Error::UnmaskedFrame.close_code(), CloseCode::PROTOCOL_ERROR);
    /// assert_eq!(Error::InvalidUtf8 { offset: 3 }.close_code(), CloseCode::INVALID_PAYLOAD);
    /// ```
    pub fn close_code(&self) -> CloseCode {
        match self {
            Error::InvalidUtf8 { .. } | Error::InvalidCompressedData => CloseCode::INVALID_PAYLOAD,
            Error::LimitExceeded { what: Limit::Fragments, .. } => CloseCode::POLICY,
            Error::LimitExceeded { .. } => CloseCode::TOO_BIG,
            e if e.is_local() => CloseCode::INTERNAL,
            _ => CloseCode::PROTOCOL_ERROR,
        }
    }

    /// Whether the local caller caused it (misuse, or sending after close): the session is
    /// unchanged and nothing needs closing. The other errors are the peer's, and fatal.
    pub fn is_local(&self) -> bool {
        matches!(
            self,
            Error::Closed
                | Error::ControlPayloadTooLong { .. }
                | Error::CloseReasonTooLong { .. }
                | Error::ReasonWithoutCode
                | Error::CompressionNotNegotiated
                | Error::MessageInProgress
                | Error::FragmentMismatch
        )
    }

    /// Node `ws`'s error code for the same failure (`WS_ERR_*`), where it has one.
    ///
    /// ```
    /// use netcore_websocket::proto::Error;
    /// assert_eq!(Error::UnmaskedFrame.node_code(), Some("WS_ERR_EXPECTED_MASK"));
    /// assert_eq!(Error::NonMinimalLength.node_code(), None); // ws does not check it
    /// ```
    pub fn node_code(&self) -> Option<&'static str> {
        Some(match self {
            Error::ReservedOpcode(_) | Error::UnexpectedContinuation | Error::ExpectedContinuation => {
                "WS_ERR_INVALID_OPCODE"
            }
            Error::UnexpectedRsv2Rsv3 => "WS_ERR_UNEXPECTED_RSV_2_3",
            Error::UnexpectedRsv1 | Error::MisplacedRsv1 => "WS_ERR_UNEXPECTED_RSV_1",
            Error::UnmaskedFrame => "WS_ERR_EXPECTED_MASK",
            Error::MaskedFrame => "WS_ERR_UNEXPECTED_MASK",
            Error::LengthOverflow => "WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH",
            Error::ControlFrameTooLong | Error::InvalidClosePayload => {
                "WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH"
            }
            Error::FragmentedControlFrame => "WS_ERR_EXPECTED_FIN",
            Error::InvalidCloseCode(_) => "WS_ERR_INVALID_CLOSE_CODE",
            Error::InvalidUtf8 { .. } => "WS_ERR_INVALID_UTF8",
            Error::LimitExceeded { what: Limit::Fragments, .. } => "WS_ERR_TOO_MANY_BUFFERED_PARTS",
            Error::LimitExceeded { .. } => "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH",
            _ => return None,
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::ReservedOpcode(op) => write!(f, "reserved opcode {op:#x}"),
            Error::UnexpectedRsv2Rsv3 => f.write_str("rsv2 or rsv3 set"),
            Error::UnexpectedRsv1 => f.write_str("rsv1 set without a negotiated extension"),
            Error::MisplacedRsv1 => f.write_str("rsv1 set on a continuation or control frame"),
            Error::UnmaskedFrame => f.write_str("unmasked frame from a client"),
            Error::MaskedFrame => f.write_str("masked frame from a server"),
            Error::NonMinimalLength => f.write_str("payload length not minimally encoded"),
            Error::LengthOverflow => f.write_str("64-bit payload length with the top bit set"),
            Error::ControlFrameTooLong => f.write_str("control frame payload over 125 bytes"),
            Error::FragmentedControlFrame => f.write_str("fragmented control frame"),
            Error::UnexpectedContinuation => f.write_str("continuation frame without a message to continue"),
            Error::ExpectedContinuation => f.write_str("new data frame inside a fragmented message"),
            Error::InvalidClosePayload => f.write_str("close payload of one byte"),
            Error::InvalidCloseCode(code) => write!(f, "invalid close code {code}"),
            Error::InvalidUtf8 { offset } => write!(f, "invalid utf-8 at byte {offset} of the message"),
            Error::InvalidCompressedData => f.write_str("compressed message does not inflate"),
            Error::LimitExceeded { what, size, max } => {
                write!(f, "{} of {size} over the limit of {max}", what.describe())
            }
            Error::Closed => f.write_str("close frame already sent"),
            Error::ControlPayloadTooLong { len } => write!(f, "control payload of {len} bytes over 125"),
            Error::CloseReasonTooLong { len } => write!(f, "close reason of {len} bytes over 123"),
            Error::ReasonWithoutCode => f.write_str("close reason without a close code"),
            Error::CompressionNotNegotiated => f.write_str("compressed send without a negotiated extension"),
            Error::MessageInProgress => f.write_str("a fragmented message is still being sent"),
            Error::FragmentMismatch => f.write_str("fragment does not continue the message being sent"),
        }
    }
}

impl std::error::Error for Error {}

impl From<Utf8Error> for Error {
    fn from(e: Utf8Error) -> Self {
        Error::InvalidUtf8 { offset: e.offset }
    }
}

impl From<Error> for io::Error {
    /// The peer's errors are `InvalidData`, sending after close `BrokenPipe`, misuse
    /// `InvalidInput`.
    fn from(e: Error) -> Self {
        let kind = match e {
            Error::Closed => io::ErrorKind::BrokenPipe,
            e if e.is_local() => io::ErrorKind::InvalidInput,
            _ => io::ErrorKind::InvalidData,
        };
        io::Error::new(kind, e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_codes_by_cause() {
        let protocol = [
            Error::ReservedOpcode(3),
            Error::UnexpectedRsv2Rsv3,
            Error::UnexpectedRsv1,
            Error::MisplacedRsv1,
            Error::UnmaskedFrame,
            Error::MaskedFrame,
            Error::NonMinimalLength,
            Error::LengthOverflow,
            Error::ControlFrameTooLong,
            Error::FragmentedControlFrame,
            Error::UnexpectedContinuation,
            Error::ExpectedContinuation,
            Error::InvalidClosePayload,
            Error::InvalidCloseCode(1005),
        ];
        for e in protocol {
            assert_eq!(e.close_code(), CloseCode::PROTOCOL_ERROR, "{e}");
            assert!(!e.is_local());
            assert_eq!(io::Error::from(e).kind(), io::ErrorKind::InvalidData);
        }
        assert_eq!(Error::InvalidCompressedData.close_code(), CloseCode::INVALID_PAYLOAD);
        let too_big = Error::LimitExceeded { what: Limit::MessageSize, size: 11, max: 10 };
        assert_eq!(too_big.close_code(), CloseCode::TOO_BIG);
        assert_eq!(too_big.to_string(), "message payload of 11 over the limit of 10");
        let parts = Error::LimitExceeded { what: Limit::Fragments, size: 3, max: 2 };
        assert_eq!(parts.close_code(), CloseCode::POLICY);
        let local = [
            Error::Closed,
            Error::ControlPayloadTooLong { len: 126 },
            Error::CloseReasonTooLong { len: 124 },
            Error::ReasonWithoutCode,
            Error::CompressionNotNegotiated,
            Error::MessageInProgress,
            Error::FragmentMismatch,
        ];
        for e in local {
            assert!(e.is_local(), "{e}");
            assert_eq!(e.close_code(), CloseCode::INTERNAL);
        }
        assert_eq!(io::Error::from(Error::Closed).kind(), io::ErrorKind::BrokenPipe);
        assert_eq!(io::Error::from(Error::ReasonWithoutCode).kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn display_is_lowercase_without_a_trailing_period() {
        let all = [
            Error::ReservedOpcode(0xb),
            Error::InvalidUtf8 { offset: 0 },
            Error::UnexpectedRsv2Rsv3,
            Error::Closed,
            Error::InvalidCloseCode(1006),
        ];
        for e in all {
            let s = e.to_string();
            assert!(!s.ends_with('.'), "{s}");
            assert!(s.chars().next().is_some_and(|c| !c.is_uppercase()), "{s}");
        }
        assert_eq!(Error::ReservedOpcode(0xb).to_string(), "reserved opcode 0xb");
        assert_eq!(Error::from(Utf8Error { offset: 4 }), Error::InvalidUtf8 { offset: 4 });
    }
}
