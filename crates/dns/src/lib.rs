//! netcore-dns: Node's `dns` on the netcore loop.
//!
//! - [`lookup`]: the system resolver (`getaddrinfo`, `/etc/hosts`) on the thread pool, as
//!   `dns.lookup`; identical lookups in flight share one job, and the loop can cache answers.
//! - [`Resolver`]: `dns.Resolver`, the c-ares side: queries of every type to the servers of
//!   `resolv.conf` (or [`Resolver::set_servers`]) over UDP, then TCP when the answer is truncated,
//!   with random IDs and source ports, answers accepted only from the server asked and for the
//!   question asked, timeouts and retries per server, TTLs, and Node's error codes ([`Error`]).
//! - [`proto`]: the sans-IO message codec both build on (the picture below).
//!
//! | Node | netcore-dns |
//! |---|---|
//! | `dns.lookup(name, {family, all: true})` | [`lookup`]`(lp, name, family, cb)` |
//! | `new dns.Resolver({timeout, tries})`, `setServers` | [`Resolver::new`], [`Resolver::set_servers`] |
//! | `resolver.resolve4(name, {ttl: true})`, `resolveMx`, … | [`Resolver::resolve4`], [`Resolver::resolve_mx`], … |
//! | `resolver.reverse(ip)`, `resolver.cancel()` | [`Resolver::reverse`], [`Resolver::cancel`] |
//!
//! ```text
//!  Message::query(id, name, type, rd, Some(1232)) ─► encode ─► [header|question|OPT] ─► UDP/TCP
//!  UDP/TCP ─► bytes ─► Message::decode ─► Message { header: id, flags, rcode, TC
//!                       (checked reads,             questions, answers: Record { name, ttl, RData },
//!                        backward pointers,         authorities, additionals,
//!                        255-byte names)            edns: Option<Edns> }
//! ```
//!
//! Records of types A, AAAA, CNAME, MX, NS, PTR, SOA, SRV, TXT, CAA and NAPTR are decoded into
//! [`RData`] variants, others kept as raw bytes ([`RData::Unknown`], RFC 3597); the OPT record
//! becomes [`Message::edns`]. Names are compressed when encoding and decompressed when decoding.
//!
//! Limits, all from the RFCs: names of at most [`MAX_NAME_LEN`](proto::MAX_NAME_LEN) (255) bytes
//! in wire form and labels of at most 63, messages of at most
//! [`MAX_MESSAGE_LEN`](proto::MAX_MESSAGE_LEN) (65 535) bytes, TXT strings of at most 255 bytes,
//! compression pointers only backwards and at most
//! [`MAX_POINTER_HOPS`](proto::MAX_POINTER_HOPS) (127) of them per name. Queries advertise
//! [`DEFAULT_EDNS_PAYLOAD`] (1232) bytes. Decoding never panics and
//! allocates no more than the input can fill; see [`proto::Message`] for its exact rules.
//!
//! ```
//! use netcore_dns::{Message, Name, RData, RecordType};
//!
//! let query = Message::query(0xbeef, Name::from_ascii("example.com")?, RecordType::A, true, Some(1232));
//! let bytes = query.encode_to_vec()?; // to send
//!
//! // A response as a server sends it: the answer's owner name is a pointer to the question's.
//! let mut response = bytes.clone();
//! response[2..4].copy_from_slice(&[0x81, 0x80]); // QR RD RA, NOERROR
//! response[7] = 1; // ANCOUNT
//! response.splice(29..29, *b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x0e\x10\x00\x04\x5d\xb8\xd8\x22");
//!
//! let answer = Message::decode(&response)?;
//! assert!(answer.is_response_to(&query));
//! assert_eq!(answer.answers[0].name.to_string(), "example.com");
//! assert_eq!(answer.answers[0].ttl, 3600);
//! assert_eq!(answer.answers[0].rdata, RData::A([93, 184, 216, 34].into()));
//! # Ok::<(), netcore_dns::proto::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod error;
mod lookup;
pub mod proto;
mod resolv_conf;
mod resolver;

pub use error::{Code, Error};
pub use lookup::lookup;
pub use proto::{
    Class, Edns, EdnsOption, Header, Message, Name, Opcode, Question, RData, Rcode, Record, RecordType,
    DEFAULT_EDNS_PAYLOAD,
};
pub use resolv_conf::{ResolvConf, MAX_NAMESERVERS, MAX_SEARCH};
pub use resolver::{
    Caa, Mx, Naptr, Records, Resolver, ResolverOptions, Soa, Srv, DEFAULT_CACHE_ENTRIES, MAX_CACHE_TTL,
};
