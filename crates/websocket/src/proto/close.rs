//! Close codes and Close frame payloads (RFC 6455 §5.5.1, §7.4).
//!
//! A Close frame's payload is empty, or a 2-byte big-endian status code followed by a UTF-8
//! reason; the whole payload is a control frame's, so at most 125 bytes and the reason at most
//! 123. [`CloseCode`] can only hold a code that may appear on the wire (§7.4.1, §7.4.2 and the
//! IANA registry, as Node `ws` checks it): 1000–1003, 1007–1014 and 3000–4999. The codes that
//! must never be sent (1005 "no status received", 1006 "abnormal closure", 1015 "TLS handshake")
//! are plain `u16` constants for the binding to report, never a `CloseCode`.

use std::fmt;

use super::error::Error;

/// The largest Close payload: a control frame's 125 bytes (RFC 6455 §5.5).
pub const MAX_CLOSE_PAYLOAD: usize = 125;
/// The longest reason that fits beside the 2-byte code (RFC 6455 §5.5.1).
pub const MAX_CLOSE_REASON: usize = MAX_CLOSE_PAYLOAD - 2;

/// 1005: reported when a Close frame carried no code; never sent (RFC 6455 §7.4.1).
pub const NO_STATUS_RECEIVED: u16 = 1005;
/// 1006: reported when the connection ended without a Close frame; never sent (RFC 6455 §7.4.1).
pub const ABNORMAL_CLOSURE: u16 = 1006;
/// 1015: reported when the TLS handshake failed; never sent (RFC 6455 §7.4.1).
pub const TLS_HANDSHAKE_FAILED: u16 = 1015;

/// A status code that may be sent in a Close frame (RFC 6455 §7.4): 1000–1003, 1007–1014 or
/// 3000–4999. Built only through [`CloseCode::new`] (or the constants), so an invalid code cannot
/// reach the wire.
///
/// ```
/// use netcore_websocket::proto::close::CloseCode;
/// assert_eq!(CloseCode::new(1000), Some(CloseCode::NORMAL));
/// assert_eq!(CloseCode::new(4321).map(CloseCode::get), Some(4321));
/// assert_eq!(CloseCode::new(1005), None); // "no status": never sent
/// assert_eq!(CloseCode::new(2999), None); // reserved for future RFCs
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CloseCode(u16);

/// The codes a Close frame may carry, by name (RFC 6455 §7.4.1 and the IANA registry); the
/// codes that are only ever reported are the plain `u16` constants of this module.
///
/// ```
/// use netcore_websocket::proto::close::{CloseCode, ABNORMAL_CLOSURE, NO_STATUS_RECEIVED};
/// assert_eq!(CloseCode::NORMAL.get(), 1000);
/// assert_eq!(u16::from(CloseCode::TOO_BIG), 1009);
/// assert_eq!(CloseCode::TRY_AGAIN_LATER.to_string(), "1013");
/// // The reporting-only codes cannot become a `CloseCode`: they are never sent.
/// assert_eq!(CloseCode::new(NO_STATUS_RECEIVED), None);
/// assert_eq!(CloseCode::new(ABNORMAL_CLOSURE), None);
/// ```
impl CloseCode {
    /// 1000: the purpose of the connection is fulfilled.
    pub const NORMAL: CloseCode = CloseCode(1000);
    /// 1001: the endpoint is going away (server shutdown, page navigation).
    pub const GOING_AWAY: CloseCode = CloseCode(1001);
    /// 1002: the peer broke the protocol.
    pub const PROTOCOL_ERROR: CloseCode = CloseCode(1002);
    /// 1003: a type of data the endpoint cannot accept (e.g. binary for a text-only endpoint).
    pub const UNSUPPORTED: CloseCode = CloseCode(1003);
    /// 1007: data inconsistent with the message type (invalid UTF-8 in a text message).
    pub const INVALID_PAYLOAD: CloseCode = CloseCode(1007);
    /// 1008: a message that violates the endpoint's policy.
    pub const POLICY: CloseCode = CloseCode(1008);
    /// 1009: a message too big to process.
    pub const TOO_BIG: CloseCode = CloseCode(1009);
    /// 1010: (client) the server did not negotiate an extension the client requires.
    pub const MANDATORY_EXT: CloseCode = CloseCode(1010);
    /// 1011: (server) an unexpected condition prevented fulfilling the request.
    pub const INTERNAL: CloseCode = CloseCode(1011);
    /// 1012: the service is restarting (IANA registry).
    pub const SERVICE_RESTART: CloseCode = CloseCode(1012);
    /// 1013: try again later, a temporary condition (IANA registry).
    pub const TRY_AGAIN_LATER: CloseCode = CloseCode(1013);
    /// 1014: a gateway or proxy got an invalid response upstream (IANA registry).
    pub const BAD_GATEWAY: CloseCode = CloseCode(1014);

    /// The code, if it may be sent on the wire (RFC 6455 §7.4.1, §7.4.2).
    pub const fn new(code: u16) -> Option<CloseCode> {
        if is_valid_on_wire(code) {
            Some(CloseCode(code))
        } else {
            None
        }
    }

    /// The numeric code.
    pub const fn get(self) -> u16 {
        self.0
    }
}

impl TryFrom<u16> for CloseCode {
    type Error = Error;

    /// [`CloseCode::new`], failing with [`Error::InvalidCloseCode`].
    fn try_from(code: u16) -> Result<Self, Error> {
        CloseCode::new(code).ok_or(Error::InvalidCloseCode(code))
    }
}

impl From<CloseCode> for u16 {
    fn from(code: CloseCode) -> u16 {
        code.0
    }
}

impl fmt::Display for CloseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Whether `code` may appear in a Close frame: 1000–1003, 1007–1014 (defined by RFC 6455 §7.4.1
/// and the IANA registry; 1004 is reserved, 1005/1006/1015 are never sent) or 3000–4999
/// (registered and private use, §7.4.2). As Node `ws`'s `isValidStatusCode`.
///
/// ```
/// use netcore_websocket::proto::close::is_valid_on_wire;
/// assert!(is_valid_on_wire(1011) && is_valid_on_wire(3000) && is_valid_on_wire(4999));
/// assert!(!is_valid_on_wire(999) && !is_valid_on_wire(1004) && !is_valid_on_wire(1006));
/// assert!(!is_valid_on_wire(1015) && !is_valid_on_wire(2000) && !is_valid_on_wire(5000));
/// ```
pub const fn is_valid_on_wire(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

/// Parses a received Close payload (RFC 6455 §5.5.1): `(None, "")` for an empty one, else the
/// code and the reason. A 1-byte payload, a code that may not be sent, and a reason that is not
/// UTF-8 are errors (the first two 1002, the last 1007).
///
/// ```
/// use netcore_websocket::proto::close::{decode_close, CloseCode};
/// use netcore_websocket::proto::Error;
/// assert_eq!(decode_close(b""), Ok((None, "")));
/// assert_eq!(decode_close(b"\x03\xe8bye"), Ok((Some(CloseCode::NORMAL), "bye")));
/// assert_eq!(decode_close(b"\x03"), Err(Error::InvalidClosePayload));
/// assert_eq!(decode_close(b"\x03\xed"), Err(Error::InvalidCloseCode(1005)));
/// ```
pub fn decode_close(payload: &[u8]) -> Result<(Option<CloseCode>, &str), Error> {
    match payload {
        [] => Ok((None, "")),
        [_] => Err(Error::InvalidClosePayload),
        [hi, lo, reason @ ..] => {
            let code = CloseCode::try_from(u16::from_be_bytes([*hi, *lo]))?;
            let reason =
                std::str::from_utf8(reason).map_err(|e| Error::InvalidUtf8 { offset: e.valid_up_to() })?;
            Ok((Some(code), reason))
        }
    }
}

/// Appends a Close payload to `out` (RFC 6455 §5.5.1): nothing for `(None, "")`, else the code
/// and the reason. A reason needs a code, and may be at most [`MAX_CLOSE_REASON`] bytes.
///
/// ```
/// use netcore_websocket::proto::close::{encode_close, CloseCode};
/// let mut out = Vec::new();
/// encode_close(Some(CloseCode::GOING_AWAY), "restart", &mut out)?;
/// assert_eq!(out, b"\x03\xe9restart");
/// # Ok::<(), netcore_websocket::proto::Error>(())
/// ```
pub fn encode_close(code: Option<CloseCode>, reason: &str, out: &mut Vec<u8>) -> Result<(), Error> {
    check_close(code, reason)?;
    if let Some(code) = code {
        out.extend_from_slice(&code.0.to_be_bytes());
        out.extend_from_slice(reason.as_bytes());
    }
    Ok(())
}

/// The checks of [`encode_close`] without the writing.
pub(crate) fn check_close(code: Option<CloseCode>, reason: &str) -> Result<(), Error> {
    if reason.len() > MAX_CLOSE_REASON {
        return Err(Error::CloseReasonTooLong { len: reason.len() });
    }
    if code.is_none() && !reason.is_empty() {
        return Err(Error::ReasonWithoutCode);
    }
    Ok(())
}

/// The length of the payload [`encode_close`] writes.
pub(crate) fn close_payload_len(code: Option<CloseCode>, reason: &str) -> usize {
    if code.is_some() {
        2 + reason.len()
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6455 §7.4.1 / §7.4.2, as Autobahn cases 7.7.x (valid) and 7.9.x (invalid) list them.
    #[test]
    fn rfc6455_7_4_codes_allowed_on_the_wire() {
        for code in
            [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999]
        {
            assert_eq!(CloseCode::new(code).map(CloseCode::get), Some(code), "{code}");
        }
        for code in [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, u16::MAX] {
            assert_eq!(CloseCode::new(code), None, "{code}");
            assert_eq!(CloseCode::try_from(code), Err(Error::InvalidCloseCode(code)));
        }
        for (c, n) in [
            (CloseCode::NORMAL, 1000),
            (CloseCode::GOING_AWAY, 1001),
            (CloseCode::PROTOCOL_ERROR, 1002),
            (CloseCode::UNSUPPORTED, 1003),
            (CloseCode::INVALID_PAYLOAD, 1007),
            (CloseCode::POLICY, 1008),
            (CloseCode::TOO_BIG, 1009),
            (CloseCode::MANDATORY_EXT, 1010),
            (CloseCode::INTERNAL, 1011),
            (CloseCode::SERVICE_RESTART, 1012),
            (CloseCode::TRY_AGAIN_LATER, 1013),
            (CloseCode::BAD_GATEWAY, 1014),
        ] {
            assert_eq!(u16::from(c), n);
            assert!(is_valid_on_wire(n));
        }
        for n in [NO_STATUS_RECEIVED, ABNORMAL_CLOSURE, TLS_HANDSHAKE_FAILED] {
            assert!(!is_valid_on_wire(n));
        }
    }

    /// RFC 6455 §5.5.1: the body is empty or a code then UTF-8; one byte is a protocol error.
    type Decoded<'a> = Result<(Option<CloseCode>, &'a str), Error>;

    #[test]
    fn rfc6455_5_5_1_close_payloads() {
        let cases: &[(&[u8], Decoded<'_>)] = &[
            (b"", Ok((None, ""))),
            (b"\x03", Err(Error::InvalidClosePayload)),
            (b"\x03\xe8", Ok((Some(CloseCode::NORMAL), ""))),
            (b"\x0f\xa0private", Ok((CloseCode::new(4000), "private"))),
            (b"\x03\xe8h\xc3\xa9", Ok((Some(CloseCode::NORMAL), "hé"))),
            (b"\x03\xe8ok\xff", Err(Error::InvalidUtf8 { offset: 2 })),
            (b"\x03\xe8\xe2\x82", Err(Error::InvalidUtf8 { offset: 0 })),
            (b"\x03\xeb", Ok((Some(CloseCode::UNSUPPORTED), ""))),
            (b"\x03\xee", Err(Error::InvalidCloseCode(1006))),
            (b"\x00\x00", Err(Error::InvalidCloseCode(0))),
            (b"\x13\x88", Err(Error::InvalidCloseCode(5000))),
        ];
        for (payload, expected) in cases {
            assert_eq!(&decode_close(payload), expected, "{payload:02x?}");
        }
    }

    #[test]
    fn encoding_checks_the_reason_and_round_trips() {
        let mut out = Vec::new();
        encode_close(None, "", &mut out).unwrap();
        assert!(out.is_empty());
        assert_eq!(encode_close(None, "why", &mut out), Err(Error::ReasonWithoutCode));
        let at_limit = "r".repeat(MAX_CLOSE_REASON);
        encode_close(Some(CloseCode::NORMAL), &at_limit, &mut out).unwrap();
        assert_eq!(out.len(), MAX_CLOSE_PAYLOAD);
        assert_eq!(decode_close(&out), Ok((Some(CloseCode::NORMAL), at_limit.as_str())));
        let past = "r".repeat(MAX_CLOSE_REASON + 1);
        let mut out = Vec::new();
        assert_eq!(
            encode_close(Some(CloseCode::NORMAL), &past, &mut out),
            Err(Error::CloseReasonTooLong { len: MAX_CLOSE_REASON + 1 })
        );
        assert!(out.is_empty(), "nothing written on error");
        assert_eq!(close_payload_len(Some(CloseCode::NORMAL), "ab"), 4);
        assert_eq!(close_payload_len(None, ""), 0);
    }
}
