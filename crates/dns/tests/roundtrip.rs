//! Property tests: encode → decode is the identity for arbitrary messages of every record type;
//! no input — random, truncated or mutated — makes decoding panic; names survive their text form.
#![allow(clippy::unwrap_used)]

use std::net::{Ipv4Addr, Ipv6Addr};

use netcore_dns::proto::{
    Class, Edns, EdnsOption, Error, Header, Message, Name, Opcode, Question, RData, Rcode, Record, RecordType,
};
use proptest::collection::vec;
use proptest::prelude::*;

/// Labels that repeat (so compression has work to do), odd bytes, and case variants.
fn label() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => prop::sample::select(vec!["www", "com", "example", "mail", "_tcp", "_sip", "a", "Example", "cdn"])
            .prop_map(|s| s.as_bytes().to_vec()),
        1 => vec(any::<u8>(), 1..=63),
        1 => "[a-zA-Z0-9-]{1,20}".prop_map(String::into_bytes),
    ]
}

/// A name of up to 6 labels, dropping labels from the front until it fits 255 bytes.
fn name() -> impl Strategy<Value = Name> {
    vec(label(), 0..6).prop_map(|mut labels| loop {
        match Name::from_labels(&labels) {
            Ok(name) => break name,
            Err(_) => {
                labels.remove(0);
            }
        }
    })
}

fn character_string() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![vec(any::<u8>(), 0..16), vec(any::<u8>(), 200..=255)]
}

fn unknown_type() -> impl Strategy<Value = RecordType> {
    any::<u16>().prop_map(RecordType::new).prop_filter("a type this crate decodes", |t| t.name().is_none())
}

fn rdata() -> impl Strategy<Value = RData> {
    prop_oneof![
        any::<u32>().prop_map(|ip| RData::A(Ipv4Addr::from(ip))),
        any::<u128>().prop_map(|ip| RData::Aaaa(Ipv6Addr::from(ip))),
        name().prop_map(RData::Cname),
        (any::<u16>(), name()).prop_map(|(preference, exchange)| RData::Mx { preference, exchange }),
        name().prop_map(RData::Ns),
        name().prop_map(RData::Ptr),
        (name(), name(), any::<[u32; 5]>()).prop_map(
            |(mname, rname, [serial, refresh, retry, expire, minimum])| {
                RData::Soa { mname, rname, serial, refresh, retry, expire, minimum }
            }
        ),
        (any::<[u16; 3]>(), name()).prop_map(|([priority, weight, port], target)| RData::Srv {
            priority,
            weight,
            port,
            target
        }),
        // Several strings, long ones, and none at all.
        vec(character_string(), 0..4).prop_map(RData::Txt),
        (any::<u8>(), vec(any::<u8>(), 1..=20), vec(any::<u8>(), 0..40))
            .prop_map(|(flags, tag, value)| RData::Caa { flags, tag, value }),
        (any::<[u16; 2]>(), character_string(), character_string(), character_string(), name()).prop_map(
            |([order, preference], flags, services, regexp, replacement)| RData::Naptr {
                order,
                preference,
                flags,
                services,
                regexp,
                replacement,
            }
        ),
        (unknown_type(), vec(any::<u8>(), 0..64)).prop_map(|(rtype, data)| RData::Unknown { rtype, data }),
    ]
}

fn class() -> impl Strategy<Value = Class> {
    prop_oneof![4 => Just(Class::IN), 1 => any::<u16>().prop_map(Class::new)]
}

fn record() -> impl Strategy<Value = Record> {
    (name(), class(), any::<u32>(), rdata()).prop_map(|(name, class, ttl, rdata)| Record {
        name,
        class,
        ttl,
        rdata,
    })
}

fn edns() -> impl Strategy<Value = Option<Edns>> {
    let option = (any::<u16>(), vec(any::<u8>(), 0..40)).prop_map(|(code, data)| EdnsOption { code, data });
    prop::option::of((any::<u16>(), any::<u8>(), any::<bool>(), 0..0x8000u16, vec(option, 0..3)).prop_map(
        |(udp_payload_size, version, dnssec_ok, z, options)| Edns {
            udp_payload_size,
            version,
            dnssec_ok,
            z,
            options,
        },
    ))
}

fn message() -> impl Strategy<Value = Message> {
    let flags = any::<[bool; 7]>();
    let questions = vec((name(), any::<u16>(), class()), 0..3);
    let sections = (vec(record(), 0..6), vec(record(), 0..3), vec(record(), 0..3));
    (any::<u16>(), flags, 0..16u8, 0..=Rcode::MAX, questions, sections, edns()).prop_map(
        |(
            id,
            [qr, aa, tc, rd, ra, ad, cd],
            opcode,
            rcode,
            questions,
            (answers, authorities, additionals),
            edns,
        )| {
            // Without EDNS the rcode has only the header's 4 bits.
            let rcode = if edns.is_some() { rcode } else { rcode & 0x0f };
            Message {
                header: Header {
                    id,
                    qr,
                    opcode: Opcode::new(opcode).unwrap(),
                    aa,
                    tc,
                    rd,
                    ra,
                    ad,
                    cd,
                    rcode: Rcode::new(rcode).unwrap(),
                },
                questions: questions
                    .into_iter()
                    .map(|(name, qtype, qclass)| Question { name, qtype: RecordType::new(qtype), qclass })
                    .collect(),
                answers,
                authorities,
                additionals,
                edns,
            }
        },
    )
}

/// Decodes `bytes`; when that succeeds, re-encoding and decoding again gives the same message
/// (unless re-encoding grows past 65535 bytes: the input may have compressed names this encoder
/// will not, such as SRV targets).
fn decode_is_stable(bytes: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(first) = Message::decode(bytes) {
        match first.encode_to_vec() {
            Ok(again) => prop_assert_eq!(Message::decode(&again), Ok(first)),
            Err(e) => prop_assert!(matches!(e, Error::MessageTooLong { .. }), "{}", e),
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn encode_then_decode_is_identity(msg in message()) {
        let bytes = msg.encode_to_vec().unwrap();
        let decoded = Message::decode(&bytes).unwrap();
        prop_assert_eq!(&decoded, &msg);
        // Case survives compression too: the same bytes again.
        prop_assert_eq!(decoded.encode_to_vec().unwrap(), bytes);
    }

    #[test]
    fn every_truncation_fails(msg in message()) {
        let bytes = msg.encode_to_vec().unwrap();
        for len in 0..bytes.len() {
            let err = Message::decode(&bytes[..len]).unwrap_err();
            prop_assert!(err.offset().is_some_and(|at| at <= len), "{} at {} bytes", err, len);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..600)) {
        decode_is_stable(&bytes)?;
    }

    #[test]
    fn arbitrary_bytes_after_a_header_never_panic(
        counts in any::<[u8; 4]>(),
        body in vec(any::<u8>(), 0..400),
    ) {
        // Small counts, so that the body is read as records rather than failing at once.
        let mut bytes = vec![0, 0, 0x81, 0x80];
        for c in counts {
            bytes.extend_from_slice(&[0, c % 4]);
        }
        bytes.extend_from_slice(&body);
        decode_is_stable(&bytes)?;
    }

    #[test]
    fn mutated_messages_never_panic(
        msg in message(),
        edits in vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut bytes = msg.encode_to_vec().unwrap();
        for (at, byte) in edits {
            let at = at.index(bytes.len());
            bytes[at] = byte;
        }
        decode_is_stable(&bytes)?;
        bytes.truncate(cut.index(bytes.len() + 1));
        decode_is_stable(&bytes)?;
    }

    #[test]
    fn names_survive_their_text_form(name in name()) {
        let text = name.to_string();
        let parsed = Name::from_ascii(&text).unwrap();
        prop_assert_eq!(parsed.as_wire(), name.as_wire());
        prop_assert_eq!(text.parse::<Name>().unwrap(), name);
    }

    #[test]
    fn any_text_parses_or_fails_cleanly(text in "\\PC{0,80}|[a-z.\\\\0-9]{0,300}") {
        match Name::from_ascii(&text) {
            Ok(name) => {
                prop_assert!(name.wire_len() <= 255);
                prop_assert!(name.labels().all(|l| !l.is_empty() && l.len() <= 63));
            }
            Err(e) => prop_assert!(e.offset().is_some_and(|at| at <= text.len())),
        }
    }
}
