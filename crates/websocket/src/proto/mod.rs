//! The sans-IO core: bytes in, events and bytes out; no socket, no loop, no clock, no global RNG.
//!
//! Framing (RFC 6455 §5) and the closing handshake (§7): [`frame`] decodes and encodes headers,
//! [`mask`] (un)masks payloads (§5.3), [`utf8`] checks text across fragments (§8.1), [`close`]
//! holds close codes and payloads (§5.5.1, §7.4), [`session`] is the state machine for both
//! roles, and [`error`] says what went wrong and which close code answers it.

pub mod close;
pub mod deflate;
pub mod error;
pub mod extension;
pub mod frame;
pub mod handshake;
pub mod mask;
pub mod rng;
pub mod session;
pub mod utf8;

pub use close::CloseCode;
pub use error::{Error, Limit};
pub use frame::{FrameHeader, Opcode};
pub use rng::MaskRng;
pub use session::{Config, Event, MessageKind, Role, Session, State};
