//! Whole messages (RFC 1035 §4.1): decoding, encoding with name compression, and the query a
//! resolver sends.
//!
//! ```text
//! +------------+
//! |   Header   |  ID, flags, RCODE, four counts          (12 bytes)
//! +------------+
//! |  Question  |  QNAME QTYPE QCLASS                     × QDCOUNT
//! +------------+
//! |   Answer   |  NAME TYPE CLASS TTL RDLENGTH RDATA     × ANCOUNT
//! +------------+
//! | Authority  |  the same                               × NSCOUNT
//! +------------+
//! | Additional |  the same, and at most one OPT          × ARCOUNT
//! +------------+
//! ```

use super::class::Class;
use super::compress::Writer;
use super::edns::Edns;
use super::error::Error;
use super::header::Header;
use super::name::Name;
use super::question::Question;
use super::rcode::Rcode;
use super::record::Record;
use super::rtype::RecordType;
use super::wire::Reader;

/// The longest message: 65 535 bytes (RFC 1035 §4.2.2, TCP's 16-bit length prefix). Also the
/// most [`Message::decode`] accepts.
pub const MAX_MESSAGE_LEN: usize = 65_535;

/// The shortest question: the root name, QTYPE and QCLASS.
const MIN_QUESTION_LEN: usize = 1 + 2 + 2;
/// The shortest record: the root name, TYPE, CLASS, TTL and RDLENGTH.
const MIN_RECORD_LEN: usize = 1 + 2 + 2 + 4 + 2;

/// A DNS message: a query or a response.
///
/// Decoding is strict and bounded: every read is checked (no input makes it panic), compression
/// pointers must point backwards and at most [`MAX_POINTER_HOPS`](super::name::MAX_POINTER_HOPS)
/// of them are followed per name, names stay within 255 bytes, each RDATA must be exactly as long
/// as its type needs, memory is reserved only for as many entries as the remaining bytes can hold
/// whatever the header counts, and a message must end where its last record ends (use
/// [`decode_prefix`](Message::decode_prefix) to ignore what follows).
///
/// Encoding compresses owner names, questions and the names in CNAME, MX, NS, PTR and SOA data
/// (RFC 1035 §4.1.4), never SRV or NAPTR targets (RFC 2782, RFC 3403) nor unknown types
/// (RFC 3597 §4). `decode(encode(m)) == m` for every message `m` this crate decodes.
///
/// ```
/// use std::net::Ipv4Addr;
/// use netcore_dns::proto::{Message, Name, RData, Rcode, Record, RecordType};
///
/// let name = Name::from_ascii("example.com")?;
/// let query = Message::query(0x2a2a, name.clone(), RecordType::A, true, Some(1232));
///
/// // What a server would answer.
/// let mut response = Message::response_to(&query);
/// response.header.ra = true;
/// response.answers.push(Record::new(name, 300, RData::A(Ipv4Addr::new(192, 0, 2, 1))));
/// let bytes = response.encode_to_vec()?;
///
/// let got = Message::decode(&bytes)?;
/// assert!(got.is_response_to(&query));
/// assert_eq!((got.header.rcode, got.header.tc), (Rcode::NO_ERROR, false));
/// assert_eq!(got.answers[0].ttl, 300);
/// assert_eq!(got.answers[0].rdata, RData::A(Ipv4Addr::new(192, 0, 2, 1)));
/// # Ok::<(), netcore_dns::proto::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Message {
    /// The ID and flags; the rcode includes the EDNS extended bits.
    pub header: Header,
    /// The question section.
    pub questions: Vec<Question>,
    /// The answer section.
    pub answers: Vec<Record>,
    /// The authority section.
    pub authorities: Vec<Record>,
    /// The additional section, without the OPT record.
    pub additionals: Vec<Record>,
    /// The OPT record (RFC 6891), encoded after the other additional records.
    pub edns: Option<Edns>,
}

impl Message {
    /// A standard query for `name`/`rtype` in class IN: one question, RD if `rd` (ask the server
    /// to recurse, as a stub resolver does), and an OPT record advertising `edns_payload` bytes
    /// when given (use [`DEFAULT_EDNS_PAYLOAD`](super::DEFAULT_EDNS_PAYLOAD)). The `id` should
    /// come from a random source (RFC 5452 §4.3).
    ///
    /// ```
    /// use netcore_dns::proto::{Message, Name, RecordType, DEFAULT_EDNS_PAYLOAD};
    ///
    /// let q = Message::query(7, Name::from_ascii("example.com")?, RecordType::AAAA, true, Some(DEFAULT_EDNS_PAYLOAD));
    /// let bytes = q.encode_to_vec()?;
    /// assert_eq!(&bytes[..12], &[0, 7, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1]);
    /// assert_eq!(bytes.len(), 12 + 17 + 11);
    /// # Ok::<(), netcore_dns::proto::Error>(())
    /// ```
    pub fn query(id: u16, name: Name, rtype: RecordType, rd: bool, edns_payload: Option<u16>) -> Message {
        Message {
            header: Header { id, rd, ..Header::default() },
            questions: vec![Question { name, qtype: rtype, qclass: Class::IN }],
            edns: edns_payload.map(Edns::new),
            ..Message::default()
        }
    }

    /// An empty response to `query`: its ID, opcode, RD and CD, QR set, its questions, and an
    /// OPT record advertising [`DEFAULT_EDNS_PAYLOAD`](super::DEFAULT_EDNS_PAYLOAD) if the query
    /// had one (RFC 6891 §7). For servers and tests.
    pub fn response_to(query: &Message) -> Message {
        let q = &query.header;
        Message {
            header: Header { id: q.id, qr: true, opcode: q.opcode, rd: q.rd, cd: q.cd, ..Header::default() },
            questions: query.questions.clone(),
            edns: query.edns.as_ref().map(|_| Edns::default()),
            ..Message::default()
        }
    }

    /// Whether this message answers `query` (RFC 5452 §9.1): QR set, the same ID and opcode, and
    /// the same questions (names compared ignoring case; compare
    /// [`Name::as_wire`](super::Name::as_wire) too for a resolver that randomises case).
    pub fn is_response_to(&self, query: &Message) -> bool {
        self.header.qr
            && self.header.id == query.header.id
            && self.header.opcode == query.header.opcode
            && self.questions == query.questions
    }

    /// Decodes a whole message; the input must end where the message does. Errors carry the
    /// offset where decoding stopped.
    ///
    /// A truncated UDP response (TC set) whose records are cut short fails with
    /// [`Error::Truncated`]: read its flags with [`Header::decode`] first.
    ///
    /// ```
    /// use netcore_dns::proto::{Error, Message, Name, RecordType};
    ///
    /// let mut bytes = Message::query(1, Name::from_ascii("a.example")?, RecordType::A, true, None).encode_to_vec()?;
    /// assert!(Message::decode(&bytes).is_ok());
    /// bytes.push(0);
    /// assert_eq!(Message::decode(&bytes), Err(Error::TrailingBytes { offset: 27 }));
    /// assert_eq!(Message::decode_prefix(&bytes).map(|(_, len)| len), Ok(27));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn decode(msg: &[u8]) -> Result<Message, Error> {
        if msg.len() > MAX_MESSAGE_LEN {
            return Err(Error::MessageTooLong { len: msg.len() });
        }
        let (message, len) = Message::decode_prefix(msg)?;
        if len != msg.len() {
            return Err(Error::TrailingBytes { offset: len });
        }
        Ok(message)
    }

    /// Decodes the message at the start of `buf` and returns it with its length, ignoring what
    /// follows. At most the first [`MAX_MESSAGE_LEN`] bytes are read.
    pub fn decode_prefix(buf: &[u8]) -> Result<(Message, usize), Error> {
        let msg = buf.get(..MAX_MESSAGE_LEN).unwrap_or(buf);
        let mut r = Reader::new(msg);
        let (mut header, questions, [ancount, nscount, arcount]) = read_head(&mut r)?;
        let mut edns = None;
        let answers = decode_records(&mut r, ancount, None)?;
        let authorities = decode_records(&mut r, nscount, None)?;
        let additionals = decode_records(&mut r, arcount, Some(&mut edns))?;
        let edns = edns.map(|(edns, extended_rcode)| {
            // RFC 6891 §6.1.3: the OPT record holds the rcode's upper 8 bits.
            let rcode = u16::from(extended_rcode) << 4 | header.rcode.get();
            header.rcode = Rcode::new(rcode).unwrap_or(header.rcode);
            edns
        });
        let message = Message { header, questions, answers, authorities, additionals, edns };
        Ok((message, r.pos()))
    }

    /// Decodes only the header and the questions, leaving the record sections empty (and the
    /// rcode without its EDNS bits): a resolver checks that a truncated answer (TC), which may be
    /// cut mid-record, answers its question before asking again over TCP, without decoding
    /// records it will not use.
    ///
    /// ```
    /// use netcore_dns::proto::{Message, Name, RecordType};
    /// let query = Message::query(9, Name::from_ascii("example.com")?, RecordType::A, true, None);
    /// let mut bytes = query.encode_to_vec()?;
    /// bytes[7] = 3; // ANCOUNT 3, with no records: the whole message does not decode
    /// assert!(Message::decode(&bytes).is_err());
    /// assert_eq!(Message::decode_head(&bytes)?.questions, query.questions);
    /// # Ok::<(), netcore_dns::proto::Error>(())
    /// ```
    pub fn decode_head(buf: &[u8]) -> Result<Message, Error> {
        let msg = buf.get(..MAX_MESSAGE_LEN).unwrap_or(buf);
        let (header, questions, _) = read_head(&mut Reader::new(msg))?;
        Ok(Message { header, questions, ..Message::default() })
    }

    /// Appends the encoded message to `out`, compressing names. Compression offsets count from
    /// where the message starts in `out`, so a TCP length prefix may already be there. On error
    /// `out` is left as it was.
    ///
    /// ```
    /// use netcore_dns::proto::{Message, Name, RecordType};
    ///
    /// let query = Message::query(1, Name::from_ascii("example.com")?, RecordType::A, true, None);
    /// let mut out = vec![0, 0]; // room for the TCP length prefix
    /// query.encode(&mut out)?;
    /// let len = u16::try_from(out.len() - 2).unwrap();
    /// out[..2].copy_from_slice(&len.to_be_bytes());
    /// assert_eq!(Message::decode(&out[2..])?, query);
    /// # Ok::<(), netcore_dns::proto::Error>(())
    /// ```
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        let start = out.len();
        let result = self.encode_into(&mut Writer::new(out));
        if result.is_err() {
            out.truncate(start);
        }
        result
    }

    /// The encoded message in a new buffer; see [`encode`](Message::encode).
    pub fn encode_to_vec(&self) -> Result<Vec<u8>, Error> {
        let mut out = Vec::with_capacity(512);
        self.encode(&mut out)?;
        Ok(out)
    }

    fn encode_into(&self, w: &mut Writer<'_>) -> Result<(), Error> {
        let rcode = self.header.rcode;
        if !rcode.fits_header() && self.edns.is_none() {
            return Err(Error::RcodeNeedsEdns { rcode });
        }
        let count = |n: usize| u16::try_from(n).map_err(|_| Error::TooManyRecords { count: n });
        let counts = [
            count(self.questions.len())?,
            count(self.answers.len())?,
            count(self.authorities.len())?,
            count(self.additionals.len() + usize::from(self.edns.is_some()))?,
        ];
        w.u16(self.header.id);
        w.u16(self.header.flags());
        for c in counts {
            w.u16(c);
        }
        let too_long = |w: &Writer<'_>| match w.len() {
            len if len > MAX_MESSAGE_LEN => Err(Error::MessageTooLong { len }),
            _ => Ok(()),
        };
        for q in &self.questions {
            w.name(&q.name, true);
            w.u16(q.qtype.get());
            w.u16(q.qclass.get());
            too_long(w)?;
        }
        for record in self.answers.iter().chain(&self.authorities).chain(&self.additionals) {
            record.encode(w)?;
            too_long(w)?;
        }
        if let Some(edns) = &self.edns {
            edns.encode((rcode.get() >> 4) as u8, w)?;
        }
        too_long(w)
    }
}

/// The header and the questions, and the counts of the three record sections.
fn read_head(r: &mut Reader<'_>) -> Result<(Header, Vec<Question>, [u16; 3]), Error> {
    let header = Header::read(r)?;
    let [qdcount, ancount, nscount, arcount] = [r.u16()?, r.u16()?, r.u16()?, r.u16()?];
    let mut questions = Vec::with_capacity(capacity(qdcount, r, MIN_QUESTION_LEN));
    for _ in 0..qdcount {
        let name = r.name()?;
        let qtype = RecordType::new(r.u16()?);
        let qclass = Class::new(r.u16()?);
        questions.push(Question { name, qtype, qclass });
    }
    Ok((header, questions, [ancount, nscount, arcount]))
}

/// How many entries to reserve room for: what the header says, but no more than the remaining
/// bytes could hold.
fn capacity(count: u16, r: &Reader<'_>, min_len: usize) -> usize {
    usize::from(count).min(r.remaining() / min_len)
}

/// Decodes `count` records. `edns` is `Some` for the additional section, the only one where an
/// OPT record may be: it receives the OPT record's fields and the rcode's upper bits.
fn decode_records(
    r: &mut Reader<'_>,
    count: u16,
    mut edns: Option<&mut Option<(Edns, u8)>>,
) -> Result<Vec<Record>, Error> {
    let mut records = Vec::with_capacity(capacity(count, r, MIN_RECORD_LEN));
    for _ in 0..count {
        let start = r.pos();
        let name = r.name()?;
        let rtype = RecordType::new(r.u16()?);
        if rtype != RecordType::OPT {
            records.push(Record::decode_rest(r, name, rtype)?);
            continue;
        }
        // RFC 6891 §6.1.1: at most one OPT, in the additional section, owned by the root.
        let Some(slot) = edns.as_deref_mut() else { return Err(Error::OptNotInAdditional { offset: start }) };
        if slot.is_some() {
            return Err(Error::DuplicateOpt { offset: start });
        }
        if !name.is_root() {
            return Err(Error::OptNameNotRoot { offset: start });
        }
        *slot = Some(Edns::decode(r)?);
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, Ipv6Addr};

    use super::*;
    use crate::proto::{EdnsOption, Opcode, RData, HEADER_LEN};

    fn name(s: &str) -> Name {
        Name::from_ascii(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    /// `dig www.example.com A` through a recursive resolver, as captured: a CNAME whose owner is a
    /// pointer to the question (0x0c) and whose target ends in a pointer to `example.com` (0x10),
    /// an A record owned by a pointer into the CNAME's RDATA (0x2d), and an OPT record with a
    /// cookie.
    const DIG_RESPONSE: &[u8] = b"\xdb\x42\x81\x80\x00\x01\x00\x02\x00\x00\x00\x01\
        \x03www\x07example\x03com\x00\x00\x01\x00\x01\
        \xc0\x0c\x00\x05\x00\x01\x00\x00\x0e\x10\x00\x08\x03cdn\x01x\xc0\x10\
        \xc0\x2d\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x5d\xb8\xd8\x22\
        \x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x0c\x00\x0a\x00\x08\x01\x02\x03\x04\x05\x06\x07\x08";

    fn dig_message() -> Message {
        Message {
            header: Header { id: 0xdb42, qr: true, rd: true, ra: true, ..Header::default() },
            questions: vec![Question::new(name("www.example.com"), RecordType::A)],
            answers: vec![
                Record::new(name("www.example.com"), 3600, RData::Cname(name("cdn.x.example.com"))),
                Record::new(name("cdn.x.example.com"), 60, RData::A(Ipv4Addr::new(93, 184, 216, 34))),
            ],
            edns: Some(Edns {
                options: vec![EdnsOption { code: 10, data: vec![1, 2, 3, 4, 5, 6, 7, 8] }],
                ..Edns::new(1232)
            }),
            ..Message::default()
        }
    }

    #[test]
    fn dig_response_with_compression() {
        let got = Message::decode(DIG_RESPONSE);
        assert_eq!(got, Ok(dig_message()));
        // Our encoder finds the same pointers, so the bytes come back identical.
        assert_eq!(dig_message().encode_to_vec().as_deref(), Ok(DIG_RESPONSE));
    }

    #[test]
    fn every_truncation_fails() {
        for len in 0..DIG_RESPONSE.len() {
            let got = Message::decode(&DIG_RESPONSE[..len]);
            assert!(got.is_err(), "{len} bytes decoded");
            assert!(got.err().and_then(|e| e.offset()).is_some_and(|at| at <= len));
        }
    }

    #[test]
    fn trailing_bytes_and_prefix() {
        let mut bytes = DIG_RESPONSE.to_vec();
        bytes.extend_from_slice(b"junk");
        assert_eq!(Message::decode(&bytes), Err(Error::TrailingBytes { offset: DIG_RESPONSE.len() }));
        assert_eq!(Message::decode_prefix(&bytes), Ok((dig_message(), DIG_RESPONSE.len())));
        let huge = vec![0; MAX_MESSAGE_LEN + 1];
        assert_eq!(Message::decode(&huge), Err(Error::MessageTooLong { len: MAX_MESSAGE_LEN + 1 }));
        // decode_prefix reads only the first 65535 bytes: here an empty header and zeros.
        assert_eq!(Message::decode_prefix(&huge).map(|(_, len)| len), Ok(HEADER_LEN));
    }

    #[test]
    fn rfc1035_4_1_1_header_only() {
        let msg = Message::decode(b"\x12\x34\x28\x05\0\0\0\0\0\0\0\0");
        let header =
            Header { id: 0x1234, opcode: Opcode::UPDATE, rcode: Rcode::REFUSED, ..Header::default() };
        assert_eq!(msg, Ok(Message { header, ..Message::default() }));
    }

    #[test]
    fn opt_placement_rfc6891_6_1_1() {
        let opt = b"\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00";
        let with = |counts: [u8; 3], records: &[&[u8]]| {
            let mut m = vec![0, 1, 0, 0, 0, 0, 0, counts[0], 0, counts[1], 0, counts[2]];
            for r in records {
                m.extend_from_slice(r);
            }
            Message::decode(&m)
        };
        assert_eq!(with([1, 0, 0], &[opt]), Err(Error::OptNotInAdditional { offset: 12 }));
        assert_eq!(with([0, 1, 0], &[opt]), Err(Error::OptNotInAdditional { offset: 12 }));
        assert_eq!(with([0, 0, 2], &[opt, opt]), Err(Error::DuplicateOpt { offset: 23 }));
        let named = b"\x01a\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00";
        assert_eq!(with([0, 0, 1], &[named]), Err(Error::OptNameNotRoot { offset: 12 }));
        let a = b"\x00\x00\x01\x00\x01\x00\x00\x00\x01\x00\x04\x01\x02\x03\x04";
        let got = with([0, 0, 3], &[a, opt, a]).map(|m| (m.additionals.len(), m.edns.is_some()));
        assert_eq!(got, Ok((2, true)));
    }

    #[test]
    fn extended_rcode_rfc6891_6_1_3() {
        // BADVERS (16): 0 in the header, 1 in the OPT record's upper bits.
        let bytes = b"\0\x01\x80\x00\0\0\0\0\0\0\0\x01\x00\x00\x29\x04\xd0\x01\x00\x00\x00\x00\x00";
        let msg = Message::decode(bytes).unwrap_or_default();
        assert_eq!(msg.header.rcode, Rcode::BADVERS);
        assert_eq!(msg.encode_to_vec().as_deref(), Ok(&bytes[..]));
        assert_eq!(Header::decode(bytes).map(|h| h.rcode), Ok(Rcode::NO_ERROR));
        let mut no_edns = msg;
        no_edns.edns = None;
        let mut out = vec![7];
        assert_eq!(no_edns.encode(&mut out), Err(Error::RcodeNeedsEdns { rcode: Rcode::BADVERS }));
        assert_eq!(out, [7], "left as it was");
    }

    #[test]
    fn counts_do_not_reserve_memory() {
        // 65535 questions claimed, none there.
        let bytes = b"\0\x01\0\0\xff\xff\xff\xff\xff\xff\xff\xff";
        assert_eq!(Message::decode(bytes), Err(Error::Truncated { offset: 12 }));
        assert_eq!(capacity(u16::MAX, &Reader::new(&[0; 100]), MIN_RECORD_LEN), 9);
    }

    #[test]
    fn compression_shrinks_repeated_names() {
        let owner = name("host.subdomain.example.com");
        let mut msg = Message::query(1, owner.clone(), RecordType::AAAA, true, None);
        msg.header.qr = true;
        for i in 0..4 {
            let ip = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, i);
            msg.answers.push(Record::new(owner.clone(), 60, RData::Aaaa(ip)));
        }
        msg.authorities.push(Record::new(name("example.com"), 60, RData::Ns(name("ns1.example.com"))));
        let bytes = msg.encode_to_vec().unwrap_or_default();
        // Header 12, question 28 + 4, each answer a 2-byte pointer + 10 + 16, the NS record's
        // owner a pointer (2 + 10) and its data "ns1" + a pointer (6).
        assert_eq!(bytes.len(), 12 + 32 + 4 * 28 + 12 + 6);
        let uncompressed = 12 + 32 + 4 * (28 + 10 + 16) + (13 + 10 + 17);
        assert!(bytes.len() < uncompressed);
        assert_eq!(Message::decode(&bytes), Ok(msg));
    }

    #[test]
    fn srv_and_naptr_targets_are_not_compressed() {
        let mut msg = Message::query(1, name("_sip._udp.example.com"), RecordType::SRV, true, None);
        let target = RData::Srv { priority: 0, weight: 0, port: 5060, target: name("example.com") };
        msg.answers.push(Record::new(name("_sip._udp.example.com"), 60, target));
        let bytes = msg.encode_to_vec().unwrap_or_default();
        assert!(bytes.ends_with(b"\x13\xc4\x07example\x03com\x00"), "{bytes:x?}");
        // But later names may point at it.
        msg.answers.push(Record::new(name("example.com"), 60, RData::A(Ipv4Addr::LOCALHOST)));
        let longer = msg.encode_to_vec().unwrap_or_default();
        assert_eq!(longer.len(), bytes.len() + 2 + 10 + 4);
        assert_eq!(Message::decode(&longer), Ok(msg));
    }

    #[test]
    fn encode_limits() {
        let questions = vec![Question::new(Name::root(), RecordType::A); 65_536];
        let msg = Message { questions, ..Message::default() };
        assert_eq!(msg.encode_to_vec(), Err(Error::TooManyRecords { count: 65_536 }));
        // 300 TXT records of 255 bytes: over 65535 bytes in all.
        let big = Record::new(Name::root(), 0, RData::Txt(vec![vec![b'x'; 255]]));
        let msg = Message { answers: vec![big; 300], ..Message::default() };
        let mut out = Vec::new();
        assert!(matches!(msg.encode(&mut out), Err(Error::MessageTooLong { len }) if len > MAX_MESSAGE_LEN));
        assert!(out.is_empty());
        // Exactly 65535 bytes is fine: 12 + 255 × 256 + 243.
        let fill = |len: usize| {
            Record::new(Name::root(), 0, RData::Unknown { rtype: RecordType::new(65280), data: vec![0; len] })
        };
        let mut msg = Message { answers: vec![fill(256 - 11); 255], ..Message::default() };
        msg.answers.push(fill(243 - 11));
        assert_eq!(msg.encode_to_vec().map(|b| b.len()), Ok(MAX_MESSAGE_LEN));
        msg.answers.push(fill(0));
        assert!(matches!(msg.encode_to_vec(), Err(Error::MessageTooLong { .. })));
    }

    #[test]
    fn response_matching() {
        let query = Message::query(9, name("Example.com"), RecordType::MX, true, Some(1232));
        let response = Message::response_to(&query);
        assert!(response.is_response_to(&query) && !query.is_response_to(&query));
        let mut other = response.clone();
        other.header.id = 10;
        assert!(!other.is_response_to(&query));
        let mut other = response.clone();
        other.questions[0].qtype = RecordType::A;
        assert!(!other.is_response_to(&query));
        let mut other = response;
        other.questions[0].name = name("example.COM");
        assert!(other.is_response_to(&query));
    }
}
