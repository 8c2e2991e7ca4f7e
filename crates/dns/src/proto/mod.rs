//! The sans-IO message codec: bytes in, [`Message`] out, and back. No socket, no clock, no
//! random source: the caller picks query IDs and moves the bytes.
//!
//! [`name`] holds domain names (text form, limits, decompression), [`header`] the ID and flags,
//! [`question`], [`record`] and [`rdata`] the sections' entries, [`edns`] the OPT record,
//! [`message`] whole messages; [`rtype`], [`class`] and [`rcode`] are the protocol's numbers, and
//! [`error`] says where a message broke which rule.

pub mod class;
mod compress;
pub mod edns;
pub mod error;
pub mod header;
pub mod message;
pub mod name;
pub mod question;
pub mod rcode;
pub mod rdata;
pub mod record;
pub mod rtype;
mod wire;

pub use class::Class;
pub use edns::{Edns, EdnsOption, DEFAULT_EDNS_PAYLOAD};
pub use error::Error;
pub use header::{Header, Opcode, HEADER_LEN};
pub use message::{Message, MAX_MESSAGE_LEN};
pub use name::{Labels, Name, MAX_LABEL_LEN, MAX_NAME_LEN, MAX_POINTER_HOPS};
pub use question::Question;
pub use rcode::Rcode;
pub use rdata::{RData, MAX_CHARACTER_STRING_LEN};
pub use record::Record;
pub use rtype::RecordType;
