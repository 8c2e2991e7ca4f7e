//! A small, strict, bounded DER reader for X.509 certificates (RFC 5280), enough for Node's
//! `tlsSocket.getPeerCertificate()`: subject, issuer, serial number, validity, subject
//! alternative names and the SHA-256 fingerprint.
//!
//! The reader accepts DER only: definite lengths in their shortest form, long-form lengths of at
//! most four bytes, single-byte tags. Every length is checked against what remains of the
//! enclosing element before anything is sliced, so no input makes it panic, and the nesting it
//! follows is the certificate's fixed structure, so it never recurses on the input. Parts Node
//! does not report (the public key, the signature, extensions other than subjectAltName) are
//! checked for shape and skipped; signatures are not verified here.
//!
//! Strings are reported the way Node reports them: attribute short names as OpenSSL prints them
//! (`CN`, `O`, `emailAddress`, ...), unknown attribute types in dotted decimal, and subject
//! alternative names in Node's `subjectaltname` format (`DNS:localhost`,
//! `IP Address:127.0.0.1`, `IP Address:0:0:0:0:0:0:0:1`, `email:...`, `URI:...`), with
//! Node's JSON-style quoting of names that contain commas, quotes or control characters.

use std::fmt::{self, Write as _};

/// The most bytes a long-form length may take; more is rejected with [`CertError::LengthTooLong`].
const MAX_LENGTH_OCTETS: u8 = 4;

const TAG_BOOLEAN: u8 = 0x01;
const TAG_INTEGER: u8 = 0x02;
const TAG_BIT_STRING: u8 = 0x03;
const TAG_OCTET_STRING: u8 = 0x04;
const TAG_OID: u8 = 0x06;
const TAG_UTF8_STRING: u8 = 0x0c;
const TAG_NUMERIC_STRING: u8 = 0x12;
const TAG_PRINTABLE_STRING: u8 = 0x13;
const TAG_TELETEX_STRING: u8 = 0x14;
const TAG_IA5_STRING: u8 = 0x16;
const TAG_UTC_TIME: u8 = 0x17;
const TAG_GENERALIZED_TIME: u8 = 0x18;
const TAG_VISIBLE_STRING: u8 = 0x1a;
const TAG_UNIVERSAL_STRING: u8 = 0x1c;
const TAG_BMP_STRING: u8 = 0x1e;
const TAG_SEQUENCE: u8 = 0x30;
const TAG_SET: u8 = 0x31;
/// `[0] EXPLICIT Version` in TBSCertificate, and `[0] EXPLICIT value` in OtherName.
const TAG_EXPLICIT_0: u8 = 0xa0;
const TAG_ISSUER_UID: u8 = 0x81;
const TAG_SUBJECT_UID: u8 = 0x82;
const TAG_EXTENSIONS: u8 = 0xa3;

// GeneralName choices (RFC 5280 §4.2.1.6), as they appear on the wire.
const GN_OTHER_NAME: u8 = 0xa0;
const GN_RFC822_NAME: u8 = 0x81;
const GN_DNS_NAME: u8 = 0x82;
const GN_X400_ADDRESS: u8 = 0xa3;
const GN_DIRECTORY_NAME: u8 = 0xa4;
const GN_EDI_PARTY_NAME: u8 = 0xa5;
const GN_URI: u8 = 0x86;
const GN_IP_ADDRESS: u8 = 0x87;
const GN_REGISTERED_ID: u8 = 0x88;

/// The contents octets of the subjectAltName extension's OID, 2.5.29.17.
const OID_SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x11];

/// Why a certificate could not be read. Every variant carries the byte offset, from the start of
/// the DER, where reading stopped.
///
/// ```
/// use netcore_tls::{CertError, PeerCertificate};
/// // A SEQUENCE that promises 256 bytes and holds one.
/// let e = PeerCertificate::parse(&[0x30, 0x82, 0x01, 0x00, 0x30]).unwrap_err();
/// assert!(matches!(e, CertError::Truncated { .. }), "{e}");
/// // An INTEGER where a certificate's outer SEQUENCE must be.
/// let e = PeerCertificate::parse(&[0x02, 0x01, 0x00]).unwrap_err();
/// assert!(matches!(e, CertError::UnexpectedTag { offset: 0, expected: 0x30, .. }), "{e}");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertError {
    /// The input, or the element enclosing the one being read, ended before the element did.
    Truncated {
        /// Offset of the element (or header byte) that runs past the end.
        offset: usize,
    },
    /// An element had a different tag from the one the certificate structure requires there.
    UnexpectedTag {
        /// Offset of the element's tag.
        offset: usize,
        /// The tag the structure requires.
        expected: u8,
        /// The tag found.
        found: u8,
    },
    /// A tag in the multi-byte (high tag number) form, which no certificate field uses.
    UnsupportedTag {
        /// Offset of the tag.
        offset: usize,
    },
    /// A length that is indefinite (`0x80`) or not in its shortest form, neither allowed in DER.
    BadLength {
        /// Offset of the length's first byte.
        offset: usize,
    },
    /// A long-form length of more than four bytes.
    LengthTooLong {
        /// Offset of the length's first byte.
        offset: usize,
    },
    /// Bytes left over after the end of an element that must be the last in its context.
    TrailingData {
        /// Offset of the first left-over byte.
        offset: usize,
    },
    /// A UTCTime or GeneralizedTime that is not `YYMMDDHHMMSSZ` / `YYYYMMDDHHMMSSZ` or names a
    /// date or time that does not exist.
    BadTime {
        /// Offset of the time element.
        offset: usize,
    },
    /// A malformed value: an INTEGER, OBJECT IDENTIFIER, BOOLEAN or BIT STRING not in DER form,
    /// a string that does not decode, an IP address that is neither 4 nor 16 bytes, an empty
    /// set where one element is required, a version that does not exist, or a repeated
    /// subjectAltName extension.
    BadValue {
        /// Offset of the element holding the value.
        offset: usize,
    },
}

impl CertError {
    /// The byte offset, from the start of the DER, where reading stopped.
    pub fn offset(&self) -> usize {
        match *self {
            CertError::Truncated { offset }
            | CertError::UnexpectedTag { offset, .. }
            | CertError::UnsupportedTag { offset }
            | CertError::BadLength { offset }
            | CertError::LengthTooLong { offset }
            | CertError::TrailingData { offset }
            | CertError::BadTime { offset }
            | CertError::BadValue { offset } => offset,
        }
    }
}

impl fmt::Display for CertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            CertError::Truncated { offset } => write!(f, "certificate truncated at byte {offset}"),
            CertError::UnexpectedTag { offset, expected, found } => {
                write!(f, "unexpected tag 0x{found:02x} at byte {offset} (expected 0x{expected:02x})")
            }
            CertError::UnsupportedTag { offset } => write!(f, "unsupported multi-byte tag at byte {offset}"),
            CertError::BadLength { offset } => {
                write!(f, "indefinite or non-minimal length at byte {offset}")
            }
            CertError::LengthTooLong { offset } => {
                write!(f, "length of more than {MAX_LENGTH_OCTETS} bytes at byte {offset}")
            }
            CertError::TrailingData { offset } => write!(f, "unexpected trailing data at byte {offset}"),
            CertError::BadTime { offset } => write!(f, "invalid time at byte {offset}"),
            CertError::BadValue { offset } => write!(f, "malformed value at byte {offset}"),
        }
    }
}

impl std::error::Error for CertError {}

/// A certificate's distinguished name: the attributes in order, short names as OpenSSL/Node print them.
///
/// Attributes of a multi-valued RDN appear one after the other, in certificate order.
///
/// ```
/// use netcore_tls::PeerCertificate;
/// let made = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
/// let subject = PeerCertificate::parse(made.cert.der())?.subject;
/// assert_eq!(subject.get("CN"), Some("rcgen self signed cert"));
/// assert_eq!(subject.to_string(), "CN=rcgen self signed cert");
/// assert_eq!(subject.get("O"), None);
/// # Ok::<(), netcore_tls::CertError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DistinguishedName {
    entries: Vec<(String, String)>,
}

impl DistinguishedName {
    /// The first value of the attribute with this short name (e.g. `"CN"`, `"O"`, or a dotted
    /// OID for an attribute type without a short name), if any.
    pub fn get(&self, short_name: &str) -> Option<&str> {
        self.entries.iter().find(|(name, _)| name == short_name).map(|(_, value)| value.as_str())
    }

    /// The attributes as `(short name, value)` pairs, in certificate order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(name, value)| (name.as_str(), value.as_str()))
    }
}

impl fmt::Display for DistinguishedName {
    /// `C=US, O=netcore, CN=localhost`: attributes in certificate order, values unescaped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (name, value)) in self.entries.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{name}={value}")?;
        }
        Ok(())
    }
}

/// The fields of a peer certificate Node's getPeerCertificate() reports.
///
/// On a live connection, [`TlsSession::peer_certificate`](crate::TlsSession::peer_certificate)
/// gives it; any DER certificate can be read with [`parse`](Self::parse):
///
/// ```
/// use netcore_tls::PeerCertificate;
/// let made = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
/// let cert = PeerCertificate::parse(made.cert.der())?;
/// assert_eq!(cert.subject_alt_names, ["DNS:localhost", "IP Address:127.0.0.1"]);
/// assert_eq!(cert.subject, cert.issuer); // self-signed
/// assert!(cert.valid_from < cert.valid_to);
/// assert_eq!(cert.fingerprint256.len(), 32 * 3 - 1); // "AB:CD:…", 32 bytes
/// assert!(PeerCertificate::parse(&made.cert.der()[..100]).is_err()); // truncated
/// # Ok::<(), netcore_tls::CertError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerCertificate {
    /// The certificate's DER encoding, as given to [`PeerCertificate::parse`] (Node's `raw`).
    pub der: Vec<u8>,
    /// The subject's distinguished name.
    pub subject: DistinguishedName,
    /// The issuer's distinguished name.
    pub issuer: DistinguishedName,
    /// The serial number as Node prints it: uppercase hex, two digits per byte, leading zero
    /// bytes dropped, no separators (`"0A1B2C"`); `"0"` for zero, a `-` prefix if negative.
    pub serial_number: String,
    /// Start of the validity period (notBefore), in seconds since the Unix epoch.
    pub valid_from: i64,
    /// End of the validity period (notAfter), in seconds since the Unix epoch.
    pub valid_to: i64,
    /// The subjectAltName entries in Node's format: `"DNS:localhost"`, `"IP Address:127.0.0.1"`,
    /// `"IP Address:0:0:0:0:0:0:0:1"`, `"email:..."`, `"URI:..."`, `"DirName:..."`,
    /// `"Registered ID:..."`, `"othername:..."`. Node's `subjectaltname` is these joined with
    /// `", "`. Empty if the certificate has no subjectAltName extension.
    pub subject_alt_names: Vec<String>,
    /// The SHA-256 of the DER, uppercase hex bytes separated by colons (`"AB:CD:..."`).
    pub fingerprint256: String,
}

impl PeerCertificate {
    /// Reads a DER-encoded X.509 certificate. The input must be exactly one certificate.
    pub fn parse(der: &[u8]) -> Result<PeerCertificate, CertError> {
        let mut input = Reader::new(der, 0);
        let certificate = input.expect(TAG_SEQUENCE)?;
        input.finish()?;

        // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }
        let mut fields = Reader::of(&certificate);
        let tbs = fields.expect(TAG_SEQUENCE)?;
        check_algorithm(&fields.expect(TAG_SEQUENCE)?)?;
        check_bit_string(&fields.expect(TAG_BIT_STRING)?)?;
        fields.finish()?;

        let mut tbs_fields = Reader::of(&tbs);
        let version = match tbs_fields.optional(TAG_EXPLICIT_0)? {
            Some(explicit) => parse_version(&explicit)?,
            None => 0,
        };
        let serial_number = serial_hex(&tbs_fields.expect(TAG_INTEGER)?)?;
        check_algorithm(&tbs_fields.expect(TAG_SEQUENCE)?)?;
        let issuer = parse_name(&tbs_fields.expect(TAG_SEQUENCE)?)?.into_dn();

        let validity = tbs_fields.expect(TAG_SEQUENCE)?;
        let mut times = Reader::of(&validity);
        let valid_from = parse_time(&times.any()?)?;
        let valid_to = parse_time(&times.any()?)?;
        times.finish()?;

        let subject = parse_name(&tbs_fields.expect(TAG_SEQUENCE)?)?.into_dn();
        check_public_key_info(&tbs_fields.expect(TAG_SEQUENCE)?)?;
        for tag in [TAG_ISSUER_UID, TAG_SUBJECT_UID] {
            if let Some(uid) = tbs_fields.optional(tag)? {
                // Unique identifiers exist from v2 on.
                if version < 1 {
                    return Err(CertError::BadValue { offset: uid.offset });
                }
                check_bit_string(&uid)?;
            }
        }
        let subject_alt_names = match tbs_fields.optional(TAG_EXTENSIONS)? {
            // Extensions exist in v3 only.
            Some(extensions) if version < 2 => return Err(CertError::BadValue { offset: extensions.offset }),
            Some(extensions) => parse_extensions(&extensions)?,
            None => Vec::new(),
        };
        tbs_fields.finish()?;

        Ok(PeerCertificate {
            der: der.to_vec(),
            subject,
            issuer,
            serial_number,
            valid_from,
            valid_to,
            subject_alt_names,
            fingerprint256: fingerprint256(der),
        })
    }

    /// Whether `unix_seconds` falls within the validity period, both ends included (as OpenSSL
    /// checks it).
    pub fn is_valid_at(&self, unix_seconds: i64) -> bool {
        self.valid_from <= unix_seconds && unix_seconds <= self.valid_to
    }
}

/// One DER element: its tag, where it starts, and its contents.
#[derive(Debug, Clone, Copy)]
struct Tlv<'a> {
    tag: u8,
    /// Offset of the tag from the start of the certificate.
    offset: usize,
    /// The whole element, header included.
    raw: &'a [u8],
    /// The contents octets.
    body: &'a [u8],
    /// Offset of the contents from the start of the certificate.
    body_offset: usize,
}

/// Reads consecutive DER elements from a slice that starts `base` bytes into the certificate.
struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    fn new(input: &'a [u8], base: usize) -> Self {
        Reader { input, pos: 0, base }
    }

    /// A reader over an element's contents.
    fn of(tlv: &Tlv<'a>) -> Self {
        Reader::new(tlv.body, tlv.body_offset)
    }

    fn at_end(&self) -> bool {
        self.pos >= self.input.len()
    }

    fn offset(&self) -> usize {
        self.base.saturating_add(self.pos)
    }

    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    fn byte(&mut self) -> Result<u8, CertError> {
        let byte = self.peek().ok_or(CertError::Truncated { offset: self.offset() })?;
        self.pos = self.pos.saturating_add(1);
        Ok(byte)
    }

    /// The next element, whatever its tag.
    fn any(&mut self) -> Result<Tlv<'a>, CertError> {
        let start = self.pos;
        let offset = self.offset();
        let tag = self.byte()?;
        if tag & 0x1f == 0x1f {
            return Err(CertError::UnsupportedTag { offset });
        }

        let length_offset = self.offset();
        let first = self.byte()?;
        let length = if first < 0x80 {
            usize::from(first)
        } else if first == 0x80 {
            return Err(CertError::BadLength { offset: length_offset });
        } else {
            let octets = first & 0x7f;
            if octets > MAX_LENGTH_OCTETS {
                return Err(CertError::LengthTooLong { offset: length_offset });
            }
            let mut length: u32 = 0;
            for i in 0..octets {
                let byte = self.byte()?;
                if i == 0 && byte == 0 {
                    // A leading zero byte: a shorter encoding exists.
                    return Err(CertError::BadLength { offset: length_offset });
                }
                length = (length << 8) | u32::from(byte);
            }
            if length < 0x80 {
                // Fits the short form.
                return Err(CertError::BadLength { offset: length_offset });
            }
            usize::try_from(length).map_err(|_| CertError::LengthTooLong { offset: length_offset })?
        };

        let body_start = self.pos;
        let body_offset = self.offset();
        let end = body_start.checked_add(length).ok_or(CertError::Truncated { offset })?;
        let body = self.input.get(body_start..end).ok_or(CertError::Truncated { offset })?;
        let raw = self.input.get(start..end).ok_or(CertError::Truncated { offset })?;
        self.pos = end;
        Ok(Tlv { tag, offset, raw, body, body_offset })
    }

    /// The next element, which must have this tag.
    fn expect(&mut self, tag: u8) -> Result<Tlv<'a>, CertError> {
        match self.peek() {
            None => Err(CertError::Truncated { offset: self.offset() }),
            Some(found) if found != tag => {
                Err(CertError::UnexpectedTag { offset: self.offset(), expected: tag, found })
            }
            Some(_) => self.any(),
        }
    }

    /// The next element if it has this tag; nothing otherwise.
    fn optional(&mut self, tag: u8) -> Result<Option<Tlv<'a>>, CertError> {
        if self.peek() == Some(tag) {
            self.any().map(Some)
        } else {
            Ok(None)
        }
    }

    /// Fails unless everything has been read.
    fn finish(&self) -> Result<(), CertError> {
        if self.at_end() {
            Ok(())
        } else {
            Err(CertError::TrailingData { offset: self.offset() })
        }
    }
}

/// `[0] EXPLICIT Version`: v1 (0), v2 (1) or v3 (2).
fn parse_version(explicit: &Tlv<'_>) -> Result<u8, CertError> {
    let mut contents = Reader::of(explicit);
    let integer = contents.expect(TAG_INTEGER)?;
    contents.finish()?;
    match integer.body {
        [version @ 0..=2] => Ok(*version),
        _ => Err(CertError::BadValue { offset: integer.offset }),
    }
}

/// Checks an INTEGER's DER form: at least one byte, no redundant leading `00` or `FF` byte.
fn check_integer(integer: &Tlv<'_>) -> Result<(), CertError> {
    match integer.body {
        [] | [0x00, 0x00..=0x7f, ..] | [0xff, 0x80..=0xff, ..] => {
            Err(CertError::BadValue { offset: integer.offset })
        }
        _ => Ok(()),
    }
}

/// The serial number as OpenSSL's `BN_bn2hex` prints it, which is what Node reports.
fn serial_hex(integer: &Tlv<'_>) -> Result<String, CertError> {
    check_integer(integer)?;
    let negative = integer.body.first().is_some_and(|b| b & 0x80 != 0);
    let magnitude: Vec<u8> = if negative {
        // Two's complement: invert and add one, from the least significant byte up.
        let mut bytes: Vec<u8> = integer.body.iter().map(|b| !b).collect();
        for byte in bytes.iter_mut().rev() {
            let (sum, carry) = byte.overflowing_add(1);
            *byte = sum;
            if !carry {
                break;
            }
        }
        bytes
    } else {
        integer.body.to_vec()
    };
    let significant: Vec<u8> = magnitude.into_iter().skip_while(|&b| b == 0).collect();
    let mut out = String::with_capacity(significant.len() * 2 + 1);
    if significant.is_empty() {
        out.push('0');
        return Ok(out);
    }
    if negative {
        out.push('-');
    }
    push_hex(&mut out, &significant, None);
    Ok(out)
}

/// Checks a BOOLEAN's DER form: one byte, `00` or `FF`.
fn check_boolean(boolean: &Tlv<'_>) -> Result<(), CertError> {
    match boolean.body {
        [0x00] | [0xff] => Ok(()),
        _ => Err(CertError::BadValue { offset: boolean.offset }),
    }
}

/// Checks a BIT STRING's DER form: an unused-bits count of 0 to 7, and 0 if there are no bits.
fn check_bit_string(bits: &Tlv<'_>) -> Result<(), CertError> {
    match bits.body {
        [0] => Ok(()),
        [unused, _, ..] if *unused < 8 => Ok(()),
        _ => Err(CertError::BadValue { offset: bits.offset }),
    }
}

/// `AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL }`.
fn check_algorithm(algorithm: &Tlv<'_>) -> Result<(), CertError> {
    let mut fields = Reader::of(algorithm);
    oid_to_string(&fields.expect(TAG_OID)?)?;
    if !fields.at_end() {
        fields.any()?;
    }
    fields.finish()
}

/// `SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }`.
fn check_public_key_info(info: &Tlv<'_>) -> Result<(), CertError> {
    let mut fields = Reader::of(info);
    check_algorithm(&fields.expect(TAG_SEQUENCE)?)?;
    check_bit_string(&fields.expect(TAG_BIT_STRING)?)?;
    fields.finish()
}

/// An OBJECT IDENTIFIER in dotted decimal. Rejects empty OIDs, arcs with redundant leading
/// `0x80` bytes, an unterminated last arc, and arcs that do not fit in 64 bits.
fn oid_to_string(oid: &Tlv<'_>) -> Result<String, CertError> {
    let bad = CertError::BadValue { offset: oid.offset };
    if oid.body.last().map_or(true, |last| last & 0x80 != 0) {
        return Err(bad);
    }
    let mut out = String::new();
    let mut arc: u64 = 0;
    let mut arc_start = true;
    for &byte in oid.body {
        if arc_start && byte == 0x80 {
            return Err(bad);
        }
        if arc > u64::MAX >> 7 {
            return Err(bad);
        }
        arc = (arc << 7) | u64::from(byte & 0x7f);
        arc_start = byte & 0x80 == 0;
        if arc_start {
            if out.is_empty() {
                // The first subidentifier packs the first two arcs.
                let (first, second) = match arc {
                    0..=39 => (0, arc),
                    40..=79 => (1, arc - 40),
                    _ => (2, arc - 80),
                };
                let _ = write!(out, "{first}.{second}");
            } else {
                let _ = write!(out, ".{arc}");
            }
            arc = 0;
        }
    }
    Ok(out)
}

/// The short name OpenSSL (and so Node) gives an attribute type; dotted decimal if none.
fn attribute_short_name(dotted: String) -> String {
    let short = match dotted.as_str() {
        "2.5.4.3" => "CN",
        "2.5.4.4" => "SN",
        "2.5.4.5" => "serialNumber",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.9" => "street",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.17" => "postalCode",
        "2.5.4.42" => "GN",
        "1.2.840.113549.1.9.1" => "emailAddress",
        "0.9.2342.19200300.100.1.25" => "DC",
        _ => return dotted,
    };
    short.to_owned()
}

/// One attribute of a Name, with the index of the RDN it belongs to.
struct NameEntry {
    name: String,
    value: String,
    /// The value was not a string and is `#` followed by the hex of its DER.
    dumped: bool,
    rdn: usize,
}

struct ParsedName(Vec<NameEntry>);

impl ParsedName {
    fn into_dn(self) -> DistinguishedName {
        DistinguishedName { entries: self.0.into_iter().map(|entry| (entry.name, entry.value)).collect() }
    }

    /// The name as OpenSSL's `X509_NAME_print_ex` prints it with Node's
    /// `kX509NameFlagsRFC2253WithinUtf8JSON`: last RDN first, RDNs separated by `,`, attributes
    /// of one RDN by `+`, RFC 2253 escapes, control characters and non-ASCII left as they are.
    fn rfc2253(&self) -> String {
        let mut out = String::new();
        let mut previous_rdn = None;
        for entry in self.0.iter().rev() {
            match previous_rdn {
                Some(rdn) if rdn == entry.rdn => out.push('+'),
                Some(_) => out.push(','),
                None => {}
            }
            previous_rdn = Some(entry.rdn);
            out.push_str(&entry.name);
            out.push('=');
            if entry.dumped {
                out.push_str(&entry.value);
                continue;
            }
            let last = entry.value.chars().count().saturating_sub(1);
            for (i, c) in entry.value.chars().enumerate() {
                let escape = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';')
                    || (i == 0 && matches!(c, '#' | ' '))
                    || (i == last && c == ' ');
                if escape {
                    out.push('\\');
                }
                out.push(c);
            }
        }
        out
    }
}

/// `Name ::= SEQUENCE OF RelativeDistinguishedName`, `RelativeDistinguishedName ::= SET SIZE
/// (1..MAX) OF AttributeTypeAndValue`, `AttributeTypeAndValue ::= SEQUENCE { type OBJECT
/// IDENTIFIER, value ANY }`.
fn parse_name(name: &Tlv<'_>) -> Result<ParsedName, CertError> {
    let mut entries = Vec::new();
    let mut rdns = Reader::of(name);
    let mut rdn = 0usize;
    while !rdns.at_end() {
        let set = rdns.expect(TAG_SET)?;
        let mut attributes = Reader::of(&set);
        if attributes.at_end() {
            return Err(CertError::BadValue { offset: set.offset });
        }
        while !attributes.at_end() {
            let attribute = attributes.expect(TAG_SEQUENCE)?;
            let mut fields = Reader::of(&attribute);
            let name = attribute_short_name(oid_to_string(&fields.expect(TAG_OID)?)?);
            let value = fields.any()?;
            fields.finish()?;
            let (value, dumped) = match string_value(&value)? {
                Some(text) => (text, false),
                None => {
                    let mut hex = String::with_capacity(value.raw.len() * 2 + 1);
                    hex.push('#');
                    push_hex(&mut hex, value.raw, None);
                    (hex, true)
                }
            };
            entries.push(NameEntry { name, value, dumped, rdn });
        }
        rdn = rdn.saturating_add(1);
    }
    Ok(ParsedName(entries))
}

/// A directory string's text, or `None` if the element is not one of the string types.
fn string_value(value: &Tlv<'_>) -> Result<Option<String>, CertError> {
    let bad = CertError::BadValue { offset: value.offset };
    let text = match value.tag {
        TAG_UTF8_STRING => std::str::from_utf8(value.body).map_err(|_| bad)?.to_owned(),
        // One byte per character; OpenSSL reads TeletexString as Latin-1 too.
        TAG_PRINTABLE_STRING | TAG_IA5_STRING | TAG_TELETEX_STRING | TAG_NUMERIC_STRING
        | TAG_VISIBLE_STRING => latin1(value.body),
        TAG_BMP_STRING => {
            let units = value.body.chunks(2).map(|pair| match pair {
                [hi, lo] => Ok(u16::from_be_bytes([*hi, *lo])),
                _ => Err(bad),
            });
            let units = units.collect::<Result<Vec<u16>, CertError>>()?;
            char::decode_utf16(units).collect::<Result<String, _>>().map_err(|_| bad)?
        }
        TAG_UNIVERSAL_STRING => value
            .body
            .chunks(4)
            .map(|quad| match quad {
                [a, b, c, d] => char::from_u32(u32::from_be_bytes([*a, *b, *c, *d])).ok_or(bad),
                _ => Err(bad),
            })
            .collect::<Result<String, CertError>>()?,
        _ => return Ok(None),
    };
    Ok(Some(text))
}

fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// `Time ::= CHOICE { utcTime UTCTime, generalTime GeneralizedTime }` in RFC 5280's forms,
/// `YYMMDDHHMMSSZ` (years 1950 to 2049) and `YYYYMMDDHHMMSSZ`, as seconds since the Unix epoch.
fn parse_time(time: &Tlv<'_>) -> Result<i64, CertError> {
    let bad = CertError::BadTime { offset: time.offset };
    let (year, rest) = match time.tag {
        TAG_UTC_TIME if time.body.len() == 13 => {
            let yy = two_digits(time.body, 0).ok_or(bad)?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, time.body.get(2..).ok_or(bad)?)
        }
        TAG_GENERALIZED_TIME if time.body.len() == 15 => {
            let century = two_digits(time.body, 0).ok_or(bad)?;
            let year = two_digits(time.body, 2).ok_or(bad)?;
            (century * 100 + year, time.body.get(4..).ok_or(bad)?)
        }
        TAG_UTC_TIME | TAG_GENERALIZED_TIME => return Err(bad),
        found => return Err(CertError::UnexpectedTag { offset: time.offset, expected: TAG_UTC_TIME, found }),
    };
    let field = |at| two_digits(rest, at).ok_or(bad);
    let (month, day, hour, minute, second) = (field(0)?, field(2)?, field(4)?, field(6)?, field(8)?);
    if rest.get(10) != Some(&b'Z')
        || !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return Err(bad);
    }
    Ok(days_from_civil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second)
}

/// The two ASCII digits at `at` as a number.
fn two_digits(bytes: &[u8], at: usize) -> Option<i64> {
    let digit = |b: Option<&u8>| b.filter(|b| b.is_ascii_digit()).map(|b| i64::from(b - b'0'));
    Some(digit(bytes.get(at))? * 10 + digit(bytes.get(at.checked_add(1)?))?)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month_from_march = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// `Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension`, `Extension ::= SEQUENCE { extnID
/// OBJECT IDENTIFIER, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }`; returns the
/// subjectAltName entries.
fn parse_extensions(explicit: &Tlv<'_>) -> Result<Vec<String>, CertError> {
    let mut wrapper = Reader::of(explicit);
    let sequence = wrapper.expect(TAG_SEQUENCE)?;
    wrapper.finish()?;
    let mut extensions = Reader::of(&sequence);
    if extensions.at_end() {
        return Err(CertError::BadValue { offset: sequence.offset });
    }
    let mut subject_alt_names = None;
    while !extensions.at_end() {
        let extension = extensions.expect(TAG_SEQUENCE)?;
        let mut fields = Reader::of(&extension);
        let oid = fields.expect(TAG_OID)?;
        oid_to_string(&oid)?;
        if let Some(critical) = fields.optional(TAG_BOOLEAN)? {
            check_boolean(&critical)?;
        }
        let value = fields.expect(TAG_OCTET_STRING)?;
        fields.finish()?;
        if oid.body == OID_SUBJECT_ALT_NAME {
            if subject_alt_names.is_some() {
                return Err(CertError::BadValue { offset: extension.offset });
            }
            subject_alt_names = Some(parse_subject_alt_names(&value)?);
        }
    }
    Ok(subject_alt_names.unwrap_or_default())
}

/// `GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName`, inside the extension's OCTET STRING.
fn parse_subject_alt_names(value: &Tlv<'_>) -> Result<Vec<String>, CertError> {
    let mut wrapper = Reader::of(value);
    let sequence = wrapper.expect(TAG_SEQUENCE)?;
    wrapper.finish()?;
    let mut names = Reader::of(&sequence);
    if names.at_end() {
        return Err(CertError::BadValue { offset: sequence.offset });
    }
    let mut out = Vec::new();
    while !names.at_end() {
        out.push(general_name(&names.any()?)?);
    }
    Ok(out)
}

/// One GeneralName as Node's `PrintGeneralName` prints it.
fn general_name(name: &Tlv<'_>) -> Result<String, CertError> {
    let bad = CertError::BadValue { offset: name.offset };
    let mut out = String::new();
    match name.tag {
        GN_DNS_NAME => {
            out.push_str("DNS:");
            push_alt_name(&mut out, &latin1(name.body), false, None);
        }
        GN_RFC822_NAME => {
            out.push_str("email:");
            push_alt_name(&mut out, &latin1(name.body), false, None);
        }
        GN_URI => {
            out.push_str("URI:");
            push_alt_name(&mut out, &latin1(name.body), false, None);
        }
        GN_IP_ADDRESS => {
            out.push_str("IP Address:");
            match name.body {
                [a, b, c, d] => {
                    let _ = write!(out, "{a}.{b}.{c}.{d}");
                }
                bytes if bytes.len() == 16 => {
                    for (i, pair) in bytes.chunks(2).enumerate() {
                        if i > 0 {
                            out.push(':');
                        }
                        if let [hi, lo] = pair {
                            let _ = write!(out, "{:X}", u16::from_be_bytes([*hi, *lo]));
                        }
                    }
                }
                _ => return Err(bad),
            }
        }
        GN_DIRECTORY_NAME => {
            // directoryName [4] Name: explicit, since Name is a CHOICE.
            let mut wrapper = Reader::of(name);
            let directory = parse_name(&wrapper.expect(TAG_SEQUENCE)?)?;
            wrapper.finish()?;
            out.push_str("DirName:");
            push_alt_name(&mut out, &directory.rfc2253(), true, None);
        }
        GN_REGISTERED_ID => {
            // registeredID [8] IMPLICIT OBJECT IDENTIFIER.
            let oid = Tlv { tag: TAG_OID, ..*name };
            out.push_str("Registered ID:");
            out.push_str(&oid_to_string(&oid)?);
        }
        GN_OTHER_NAME => {
            // OtherName ::= SEQUENCE { type-id OBJECT IDENTIFIER, value [0] EXPLICIT ANY }
            let mut fields = Reader::of(name);
            let type_id = oid_to_string(&fields.expect(TAG_OID)?)?;
            let explicit = fields.expect(TAG_EXPLICIT_0)?;
            fields.finish()?;
            let mut wrapper = Reader::of(&explicit);
            let value = wrapper.any()?;
            wrapper.finish()?;
            // The types OpenSSL 3 prints, and the string type each must have.
            let known = match type_id.as_str() {
                "1.3.6.1.5.5.7.8.9" => Some(("SmtpUTF8Mailbox", TAG_UTF8_STRING)),
                "1.3.6.1.5.5.7.8.5" => Some(("XmppAddr", TAG_UTF8_STRING)),
                "1.3.6.1.5.5.7.8.7" => Some(("SRVName", TAG_IA5_STRING)),
                "1.3.6.1.4.1.311.20.2.3" => Some(("UPN", TAG_UTF8_STRING)),
                "1.3.6.1.5.5.7.8.8" => Some(("NAIRealm", TAG_UTF8_STRING)),
                _ => None,
            };
            match known {
                Some((prefix, TAG_UTF8_STRING)) if value.tag == TAG_UTF8_STRING => {
                    let text = std::str::from_utf8(value.body)
                        .map_err(|_| CertError::BadValue { offset: value.offset })?;
                    out.push_str("othername:");
                    push_alt_name(&mut out, text, true, Some(prefix));
                }
                Some((prefix, TAG_IA5_STRING)) if value.tag == TAG_IA5_STRING => {
                    out.push_str("othername:");
                    push_alt_name(&mut out, &latin1(value.body), false, Some(prefix));
                }
                _ => out.push_str("othername:<unsupported>"),
            }
        }
        GN_X400_ADDRESS => out.push_str("X400Name:<unsupported>"),
        GN_EDI_PARTY_NAME => out.push_str("EdiPartyName:<unsupported>"),
        found => {
            return Err(CertError::UnexpectedTag { offset: name.offset, expected: GN_DNS_NAME, found });
        }
    }
    Ok(out)
}

/// Node's `PrintAltName`: a name with nothing that could confuse a reader of the
/// comma-separated list is written as it is; any other is written as a JSON string, with `\`
/// and `"` escaped and commas, control characters and (unless `utf8`) non-ASCII characters as
/// `\u00XX`. Without `utf8`, `name` holds one character per byte (Latin-1).
fn push_alt_name(out: &mut String, name: &str, utf8: bool, prefix: Option<&str>) {
    let safe = name.chars().all(|c| {
        !matches!(c, '"' | '\\' | ',' | '\'')
            && if utf8 { c >= ' ' && c != '\x7f' } else { (' '..='~').contains(&c) }
    });
    if safe {
        if let Some(prefix) = prefix {
            out.push_str(prefix);
            out.push(':');
        }
        out.push_str(name);
        return;
    }
    out.push('"');
    if let Some(prefix) = prefix {
        out.push_str(prefix);
        out.push(':');
    }
    for c in name.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c if (c >= ' ' && c != ',' && c <= '~') || (utf8 && !c.is_ascii()) => out.push(c),
            // Here `c` is ASCII, or Latin-1 when not `utf8`: one byte.
            c => {
                let _ = write!(out, "\\u00{:02x}", u32::from(c));
            }
        }
    }
    out.push('"');
}

/// Uppercase hex, two digits per byte, optionally separated.
fn push_hex(out: &mut String, bytes: &[u8], separator: Option<char>) {
    for (i, byte) in bytes.iter().enumerate() {
        if i > 0 {
            if let Some(separator) = separator {
                out.push(separator);
            }
        }
        let _ = write!(out, "{byte:02X}");
    }
}

/// Node's `fingerprint256`: the SHA-256 of the DER as colon-separated uppercase hex.
fn fingerprint256(der: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, der);
    let mut out = String::with_capacity(digest.as_ref().len() * 3);
    push_hex(&mut out, digest.as_ref(), Some(':'));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

    fn tlv(bytes: &[u8]) -> Tlv<'_> {
        let mut reader = Reader::new(bytes, 0);
        let tlv = reader.any().unwrap();
        reader.finish().unwrap();
        tlv
    }

    /// A DER element, with the shortest length encoding.
    fn der(tag: u8, body: &[u8]) -> Vec<u8> {
        let len = u16::try_from(body.len()).unwrap();
        let mut out = match len {
            0..=0x7f => vec![tag, len as u8],
            0x80..=0xff => vec![tag, 0x81, len as u8],
            _ => vec![tag, 0x82, (len >> 8) as u8, len as u8],
        };
        out.extend_from_slice(body);
        out
    }

    fn time(tag: u8, text: &str) -> Result<i64, CertError> {
        parse_time(&tlv(&der(tag, text.as_bytes())))
    }

    fn ia5(text: &str) -> rcgen::string::Ia5String {
        text.try_into().unwrap()
    }

    /// A self-signed certificate with a full subject, SANs of every kind and explicit dates.
    fn leaf_params() -> rcgen::CertificateParams {
        let mut params = rcgen::CertificateParams::default();
        let mut dn = rcgen::DistinguishedName::new();
        dn.push(rcgen::DnType::CountryName, "US");
        dn.push(rcgen::DnType::StateOrProvinceName, "California");
        dn.push(rcgen::DnType::LocalityName, "San Francisco");
        dn.push(rcgen::DnType::OrganizationName, "netcore");
        dn.push(rcgen::DnType::OrganizationalUnitName, "tls");
        dn.push(rcgen::DnType::CommonName, "localhost");
        params.distinguished_name = dn;
        params.subject_alt_names = vec![
            rcgen::SanType::DnsName(ia5("localhost")),
            rcgen::SanType::DnsName(ia5("*.example.com")),
            rcgen::SanType::IpAddress(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1))),
            rcgen::SanType::IpAddress(IpAddr::V6(Ipv6Addr::LOCALHOST)),
            rcgen::SanType::IpAddress(IpAddr::V6("fe80::1:abcd".parse().unwrap())),
            rcgen::SanType::Rfc822Name(ia5("admin@example.com")),
            rcgen::SanType::URI(ia5("https://example.com/a?b=c")),
            rcgen::SanType::OtherName((vec![1, 3, 6, 1, 4, 1, 311, 20, 2, 3], "user@example.com".into())),
        ];
        params.not_before = rcgen::date_time_ymd(2020, 1, 2);
        params.not_after = rcgen::date_time_ymd(2030, 6, 15);
        params.serial_number = Some(rcgen::SerialNumber::from_slice(&[0x0a, 0x1b, 0x2c]));
        params
    }

    fn self_signed() -> Vec<u8> {
        let key = rcgen::KeyPair::generate().unwrap();
        leaf_params().self_signed(&key).unwrap().der().to_vec()
    }

    /// A small certificate: no SANs, a one-attribute subject.
    fn small() -> Vec<u8> {
        let mut params = rcgen::CertificateParams::default();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params.distinguished_name.push(rcgen::DnType::CommonName, "a");
        params.subject_alt_names = vec![rcgen::SanType::DnsName(ia5("a"))];
        params.serial_number = Some(rcgen::SerialNumber::from_slice(&[1]));
        let key = rcgen::KeyPair::generate().unwrap();
        params.self_signed(&key).unwrap().der().to_vec()
    }

    #[test]
    fn self_signed_round_trips() {
        let der = self_signed();
        let cert = PeerCertificate::parse(&der).unwrap();
        assert_eq!(cert.der, der);
        let expected = [
            ("C", "US"),
            ("ST", "California"),
            ("L", "San Francisco"),
            ("O", "netcore"),
            ("OU", "tls"),
            ("CN", "localhost"),
        ];
        assert_eq!(cert.subject.iter().collect::<Vec<_>>(), expected);
        assert_eq!(cert.issuer, cert.subject);
        assert_eq!(cert.subject.get("CN"), Some("localhost"));
        assert_eq!(cert.subject.get("GN"), None);
        assert_eq!(
            cert.subject.to_string(),
            "C=US, ST=California, L=San Francisco, O=netcore, OU=tls, CN=localhost"
        );
        assert_eq!(cert.serial_number, "0A1B2C");
        assert_eq!(cert.valid_from, 1_577_923_200); // 2020-01-02T00:00:00Z
        assert_eq!(cert.valid_to, 1_907_712_000); // 2030-06-15T00:00:00Z
        assert_eq!(
            cert.subject_alt_names,
            [
                "DNS:localhost",
                "DNS:*.example.com",
                "IP Address:127.0.0.1",
                "IP Address:0:0:0:0:0:0:0:1",
                "IP Address:FE80:0:0:0:0:0:1:ABCD",
                "email:admin@example.com",
                "URI:https://example.com/a?b=c",
                "othername:UPN:user@example.com",
            ]
        );
        assert!(cert.is_valid_at(1_577_923_200));
        assert!(cert.is_valid_at(1_907_712_000));
        assert!(!cert.is_valid_at(1_577_923_199));
        assert!(!cert.is_valid_at(1_907_712_001));
    }

    #[test]
    fn ca_signed_with_generalized_time_and_high_bit_serial() {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::default();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params.distinguished_name = rcgen::DistinguishedName::new();
        ca_params.distinguished_name.push(rcgen::DnType::OrganizationName, "netcore CA");
        ca_params.distinguished_name.push(rcgen::DnType::CommonName, "Root");
        let issuer = rcgen::Issuer::new(ca_params, ca_key);

        let mut params = leaf_params();
        params.not_after = rcgen::date_time_ymd(2060, 3, 1);
        params.serial_number = Some(rcgen::SerialNumber::from_slice(&[0x80, 0x01]));
        let key = rcgen::KeyPair::generate().unwrap();
        let der = params.signed_by(&key, &issuer).unwrap().der().to_vec();

        // notBefore is a UTCTime, notAfter a GeneralizedTime.
        assert!(der.windows(2).any(|w| w == [TAG_UTC_TIME, 13]));
        assert!(der.windows(2).any(|w| w == [TAG_GENERALIZED_TIME, 15]));
        let cert = PeerCertificate::parse(&der).unwrap();
        assert_eq!(cert.issuer.to_string(), "O=netcore CA, CN=Root");
        assert_eq!(cert.subject.get("O"), Some("netcore"));
        assert_eq!(cert.serial_number, "8001");
        assert_eq!(cert.valid_to, 2_845_324_800); // 2060-03-01T00:00:00Z, a GeneralizedTime
        assert_eq!(cert.subject_alt_names.first().map(String::as_str), Some("DNS:localhost"));
    }

    #[test]
    fn fingerprint_is_sha256_of_der() {
        let der = self_signed();
        let cert = PeerCertificate::parse(&der).unwrap();
        let digest = ring::digest::digest(&ring::digest::SHA256, &der);
        let expected: Vec<String> = digest.as_ref().iter().map(|b| format!("{b:02X}")).collect();
        assert_eq!(cert.fingerprint256, expected.join(":"));
        assert_eq!(cert.fingerprint256.len(), 32 * 3 - 1);
        assert_eq!(
            fingerprint256(b""),
            "E3:B0:C4:42:98:FC:1C:14:9A:FB:F4:C8:99:6F:B9:24:27:AE:41:E4:64:9B:93:4C:A4:95:99:1B:78:52:B8:55"
        );
    }

    #[test]
    fn every_truncation_is_an_error() {
        for der in [self_signed(), small()] {
            for len in 0..der.len() {
                assert!(PeerCertificate::parse(&der[..len]).is_err(), "prefix of {len} bytes parsed");
            }
        }
        assert_eq!(PeerCertificate::parse(&[]), Err(CertError::Truncated { offset: 0 }));
    }

    #[test]
    fn flipping_any_byte_never_panics() {
        let der = small();
        let mut parsed = 0;
        for i in 0..der.len() {
            for mask in [0x01, 0x80, 0xff] {
                let mut mutated = der.clone();
                mutated[i] ^= mask;
                if PeerCertificate::parse(&mutated).is_ok() {
                    parsed += 1;
                }
            }
        }
        // Signature and key bytes are not interpreted, so many flips still parse.
        assert!(parsed > 0);
    }

    #[test]
    fn trailing_data_is_rejected() {
        let mut der = small();
        let len = der.len();
        der.push(0);
        assert_eq!(PeerCertificate::parse(&der), Err(CertError::TrailingData { offset: len }));
    }

    #[test]
    fn time_vectors() {
        assert_eq!(time(TAG_UTC_TIME, "200102000000Z"), Ok(1_577_923_200));
        assert_eq!(time(TAG_GENERALIZED_TIME, "20200102000000Z"), Ok(1_577_923_200));
        assert_eq!(time(TAG_UTC_TIME, "700101000000Z"), Ok(0));
        assert_eq!(time(TAG_UTC_TIME, "491231235959Z"), Ok(2_524_607_999));
        assert_eq!(time(TAG_UTC_TIME, "500101000000Z"), Ok(-631_152_000));
        assert_eq!(time(TAG_UTC_TIME, "000229120000Z"), Ok(951_825_600));
        assert_eq!(time(TAG_GENERALIZED_TIME, "99991231235959Z"), Ok(253_402_300_799));
        assert_eq!(time(TAG_GENERALIZED_TIME, "00000101000000Z"), Ok(-62_167_219_200));
        assert_eq!(time(TAG_GENERALIZED_TIME, "19691231235959Z"), Ok(-1));
        for bad in ["2001020000Z", "200102000000", "2001020000000", "200132000000Z", "201301000000Z"] {
            assert_eq!(time(TAG_UTC_TIME, bad), Err(CertError::BadTime { offset: 0 }), "{bad}");
        }
        for bad in [
            "21000229000000Z",
            "20200230000000Z",
            "20200101240000Z",
            "20200101006000Z",
            "20200101000060Z",
            "20200100000000Z",
            "2020010100000Z",
            "20200101000000.5Z",
            "20200101000000+0000",
            "2020010100000aZ",
            "2020-1010000000Z",
        ] {
            assert_eq!(time(TAG_GENERALIZED_TIME, bad), Err(CertError::BadTime { offset: 0 }), "{bad}");
        }
        assert_eq!(time(TAG_GENERALIZED_TIME, "20000229000000Z"), Ok(951_782_400));
        assert_eq!(
            time(TAG_OCTET_STRING, "200102000000Z"),
            Err(CertError::UnexpectedTag { offset: 0, expected: TAG_UTC_TIME, found: TAG_OCTET_STRING })
        );
    }

    #[test]
    fn lengths_must_be_definite_minimal_and_short() {
        let read = |bytes: &[u8]| Reader::new(bytes, 0).any().map(|tlv| tlv.body.len());
        assert_eq!(read(&[0x30, 0x85, 0, 0, 0, 0, 1, 0]), Err(CertError::LengthTooLong { offset: 1 }));
        assert_eq!(read(&[0x30, 0xff]), Err(CertError::LengthTooLong { offset: 1 }));
        assert_eq!(
            read(&[0x30, 0x80, 0x02, 0x01, 0x00, 0x00, 0x00]),
            Err(CertError::BadLength { offset: 1 })
        );
        assert_eq!(read(&[0x30, 0x81, 0x05, 0, 0, 0, 0, 0]), Err(CertError::BadLength { offset: 1 }));
        assert_eq!(read(&[0x30, 0x82, 0x00, 0x80]), Err(CertError::BadLength { offset: 1 }));
        assert_eq!(read(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), Err(CertError::Truncated { offset: 0 }));
        assert_eq!(read(&[0x30, 0x82, 0x01]), Err(CertError::Truncated { offset: 3 }));
        assert_eq!(read(&[0x30]), Err(CertError::Truncated { offset: 1 }));
        assert_eq!(read(&[0x1f, 0x01, 0x00]), Err(CertError::UnsupportedTag { offset: 0 }));
        let mut long = vec![0x04, 0x81, 0x80];
        long.extend_from_slice(&[7; 0x80]);
        assert_eq!(read(&long), Ok(0x80));
        let mut longer = vec![0x04, 0x82, 0x01, 0x00];
        longer.extend_from_slice(&[7; 0x100]);
        assert_eq!(read(&longer), Ok(0x100));

        // Through the public entry point too.
        assert_eq!(
            PeerCertificate::parse(&[0x30, 0x85, 1, 0, 0, 0, 0]),
            Err(CertError::LengthTooLong { offset: 1 })
        );
        assert_eq!(PeerCertificate::parse(&[0x30, 0x80, 0, 0]), Err(CertError::BadLength { offset: 1 }));
        let mut der = small();
        // Re-encode the outer length as indefinite, with an end-of-contents marker.
        let body_start = if der[1] & 0x80 != 0 { 2 + usize::from(der[1] & 0x7f) } else { 2 };
        let mut indefinite = vec![0x30, 0x80];
        indefinite.extend_from_slice(&der[body_start..]);
        indefinite.extend_from_slice(&[0, 0]);
        assert_eq!(PeerCertificate::parse(&indefinite), Err(CertError::BadLength { offset: 1 }));
        der[0] = 0x31;
        assert_eq!(
            PeerCertificate::parse(&der),
            Err(CertError::UnexpectedTag { offset: 0, expected: TAG_SEQUENCE, found: TAG_SET })
        );
    }

    #[test]
    fn serial_numbers_print_as_openssl_does() {
        let serial = |body: &[u8]| serial_hex(&tlv(&der(TAG_INTEGER, body)));
        assert_eq!(serial(&[0x00]).unwrap(), "0");
        assert_eq!(serial(&[0x01]).unwrap(), "01");
        assert_eq!(serial(&[0x0a, 0x1b]).unwrap(), "0A1B");
        assert_eq!(serial(&[0x00, 0xff]).unwrap(), "FF");
        assert_eq!(serial(&[0xff]).unwrap(), "-01");
        assert_eq!(serial(&[0x80]).unwrap(), "-80");
        assert_eq!(serial(&[0xff, 0x00]).unwrap(), "-0100");
        assert_eq!(serial(&[]), Err(CertError::BadValue { offset: 0 }));
        assert_eq!(serial(&[0x00, 0x7f]), Err(CertError::BadValue { offset: 0 }));
        assert_eq!(serial(&[0xff, 0x80]), Err(CertError::BadValue { offset: 0 }));
    }

    #[test]
    fn oids_print_in_dotted_decimal() {
        let oid = |body: &[u8]| oid_to_string(&tlv(&der(TAG_OID, body)));
        assert_eq!(oid(&[0x55, 0x1d, 0x11]).unwrap(), "2.5.29.17");
        assert_eq!(
            oid(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01]).unwrap(),
            "1.2.840.113549.1.9.1"
        );
        assert_eq!(oid(&[0x88, 0x37, 0x03]).unwrap(), "2.999.3");
        assert_eq!(oid(&[0x00]).unwrap(), "0.0");
        assert_eq!(
            oid(&[0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]).unwrap(),
            "2.18446744073709551535"
        );
        assert_eq!(
            oid(&[0x82, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]),
            Err(CertError::BadValue { offset: 0 })
        );
        assert_eq!(oid(&[]), Err(CertError::BadValue { offset: 0 }));
        assert_eq!(oid(&[0x55, 0x80, 0x01]), Err(CertError::BadValue { offset: 0 }));
        assert_eq!(oid(&[0x55, 0x81]), Err(CertError::BadValue { offset: 0 }));
    }

    #[test]
    fn attribute_values_decode_every_string_type() {
        let value = |tag: u8, body: &[u8]| string_value(&tlv(&der(tag, body)));
        assert_eq!(value(TAG_PRINTABLE_STRING, b"US").unwrap().as_deref(), Some("US"));
        assert_eq!(value(TAG_UTF8_STRING, "Zürich".as_bytes()).unwrap().as_deref(), Some("Zürich"));
        assert_eq!(value(TAG_IA5_STRING, b"a@b").unwrap().as_deref(), Some("a@b"));
        assert_eq!(value(TAG_TELETEX_STRING, b"Z\xfcrich").unwrap().as_deref(), Some("Zürich"));
        assert_eq!(
            value(TAG_BMP_STRING, &[0x00, 0x5a, 0x00, 0xfc, 0xd8, 0x3d, 0xde, 0x00]).unwrap().as_deref(),
            Some("Zü😀")
        );
        assert_eq!(
            value(TAG_UNIVERSAL_STRING, &[0, 0, 0, 0x5a, 0, 1, 0xf6, 0x00]).unwrap().as_deref(),
            Some("Z😀")
        );
        assert_eq!(value(TAG_BOOLEAN, &[0xff]).unwrap(), None);
        assert_eq!(value(TAG_UTF8_STRING, &[0xc3]), Err(CertError::BadValue { offset: 0 }));
        assert_eq!(value(TAG_BMP_STRING, &[0x00]), Err(CertError::BadValue { offset: 0 }));
        assert_eq!(value(TAG_BMP_STRING, &[0xd8, 0x3d]), Err(CertError::BadValue { offset: 0 }));
        assert_eq!(value(TAG_UNIVERSAL_STRING, &[0, 0, 0]), Err(CertError::BadValue { offset: 0 }));
        assert_eq!(value(TAG_UNIVERSAL_STRING, &[0, 0x11, 0, 0]), Err(CertError::BadValue { offset: 0 }));
    }

    /// `SEQUENCE { SET { SEQUENCE { oid, value } } ... }` from (oid body, value TLV) pairs, one RDN each.
    fn name(attributes: &[(&[u8], Vec<u8>)]) -> Vec<u8> {
        let mut rdns = Vec::new();
        for (oid, value) in attributes {
            let mut atv = der(TAG_OID, oid);
            atv.extend_from_slice(value);
            rdns.extend(der(TAG_SET, &der(TAG_SEQUENCE, &atv)));
        }
        der(TAG_SEQUENCE, &rdns)
    }

    #[test]
    fn names_use_short_names_and_dump_non_strings() {
        let encoded = name(&[
            (&[0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19], der(TAG_IA5_STRING, b"com")),
            (&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01], der(TAG_IA5_STRING, b"a@b.c")),
            (&[0x55, 0x04, 0x05], der(TAG_PRINTABLE_STRING, b"42")),
            (&[0x55, 0x04, 0x09], der(TAG_UTF8_STRING, b"Main St")),
            (&[0x55, 0x04, 0x11], der(TAG_UTF8_STRING, b"94105")),
            (&[0x55, 0x04, 0x04], der(TAG_UTF8_STRING, b"Doe")),
            (&[0x55, 0x04, 0x2a], der(TAG_UTF8_STRING, b"Jane")),
            (&[0x55, 0x04, 0x63], der(TAG_UTF8_STRING, b"x")),
            (&[0x55, 0x04, 0x03], der(TAG_BOOLEAN, &[0xff])),
        ]);
        let dn = parse_name(&tlv(&encoded)).unwrap().into_dn();
        assert_eq!(
            dn.to_string(),
            "DC=com, emailAddress=a@b.c, serialNumber=42, street=Main St, postalCode=94105, SN=Doe, \
             GN=Jane, 2.5.4.99=x, CN=#0101FF"
        );
        assert_eq!(dn.get("2.5.4.99"), Some("x"));
        assert_eq!(
            parse_name(&tlv(&der(TAG_SEQUENCE, &[]))).unwrap().into_dn(),
            DistinguishedName::default()
        );
        // An empty RDN is not allowed.
        assert_eq!(
            parse_name(&tlv(&der(TAG_SEQUENCE, &[TAG_SET, 0]))).err(),
            Some(CertError::BadValue { offset: 2 })
        );
    }

    #[test]
    fn alt_names_are_quoted_as_node_quotes_them() {
        let general = |tag: u8, body: &[u8]| general_name(&tlv(&der(tag, body)));
        assert_eq!(general(GN_DNS_NAME, b"a,b").unwrap(), "DNS:\"a\\u002cb\"");
        assert_eq!(general(GN_URI, b"http://x/\"q\"").unwrap(), "URI:\"http://x/\\\"q\\\"\"");
        assert_eq!(general(GN_RFC822_NAME, b"a\\b\x01\xe9").unwrap(), "email:\"a\\\\b\\u0001\\u00e9\"");
        assert_eq!(general(GN_DNS_NAME, b"it's").unwrap(), "DNS:\"it's\"");
        assert_eq!(general(GN_IP_ADDRESS, &[10, 0, 0, 255]).unwrap(), "IP Address:10.0.0.255");
        assert_eq!(general(GN_IP_ADDRESS, &[10, 0, 0]), Err(CertError::BadValue { offset: 0 }));
        assert_eq!(general(GN_REGISTERED_ID, &[0x2a, 0x03]).unwrap(), "Registered ID:1.2.3");
        assert_eq!(general(GN_X400_ADDRESS, &[]).unwrap(), "X400Name:<unsupported>");
        assert_eq!(general(GN_EDI_PARTY_NAME, &[]).unwrap(), "EdiPartyName:<unsupported>");
        assert_eq!(
            general(0x89, &[]),
            Err(CertError::UnexpectedTag { offset: 0, expected: GN_DNS_NAME, found: 0x89 })
        );

        let mut other = der(TAG_OID, &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x08, 0x07]);
        other.extend(der(TAG_EXPLICIT_0, &der(TAG_IA5_STRING, b"_imap.example.com")));
        assert_eq!(general(GN_OTHER_NAME, &other).unwrap(), "othername:SRVName:_imap.example.com");
        let mut other = der(TAG_OID, &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x08, 0x05]);
        other.extend(der(TAG_EXPLICIT_0, &der(TAG_UTF8_STRING, "jü,d".as_bytes())));
        assert_eq!(general(GN_OTHER_NAME, &other).unwrap(), "othername:\"XmppAddr:jü\\u002cd\"");
        let mut other = der(TAG_OID, &[0x2a, 0x03]);
        other.extend(der(TAG_EXPLICIT_0, &der(TAG_UTF8_STRING, b"x")));
        assert_eq!(general(GN_OTHER_NAME, &other).unwrap(), "othername:<unsupported>");

        // Multi-valued last RDN, printed first and joined with "+".
        let mut rdns = der(
            TAG_SET,
            &der(
                TAG_SEQUENCE,
                &[der(TAG_OID, &[0x55, 0x04, 0x06]), der(TAG_PRINTABLE_STRING, b"US")].concat(),
            ),
        );
        let cn =
            der(TAG_SEQUENCE, &[der(TAG_OID, &[0x55, 0x04, 0x03]), der(TAG_UTF8_STRING, b"a, b")].concat());
        let ou =
            der(TAG_SEQUENCE, &[der(TAG_OID, &[0x55, 0x04, 0x0b]), der(TAG_UTF8_STRING, b"#x")].concat());
        rdns.extend(der(TAG_SET, &[cn, ou].concat()));
        let directory = der(TAG_SEQUENCE, &rdns);
        assert_eq!(
            general(GN_DIRECTORY_NAME, &directory).unwrap(),
            "DirName:\"OU=\\\\#x+CN=a\\\\\\u002c b\\u002cC=US\""
        );
    }

    #[test]
    fn errors_display_lowercase_without_period() {
        let errors = [
            CertError::Truncated { offset: 1 },
            CertError::UnexpectedTag { offset: 2, expected: 0x30, found: 0x31 },
            CertError::UnsupportedTag { offset: 3 },
            CertError::BadLength { offset: 4 },
            CertError::LengthTooLong { offset: 5 },
            CertError::TrailingData { offset: 6 },
            CertError::BadTime { offset: 7 },
            CertError::BadValue { offset: 8 },
        ];
        for (i, error) in errors.iter().enumerate() {
            let text = error.to_string();
            assert_eq!(error.offset(), i + 1);
            assert!(text.starts_with(|c: char| c.is_ascii_lowercase()), "{text}");
            assert!(!text.ends_with('.'), "{text}");
            assert!(text.contains(&format!("byte {}", i + 1)), "{text}");
        }
        assert_eq!(errors[1].to_string(), "unexpected tag 0x31 at byte 2 (expected 0x30)");
    }
}
