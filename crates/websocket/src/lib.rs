//! netcore-websocket: WebSocket (RFC 6455) and permessage-deflate (RFC 7692), Node `ws`'s
//! counterpart. The sans-IO core is [`proto`].
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod proto;
