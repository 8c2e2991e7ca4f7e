#![doc = include_str!("../README.md")]
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
