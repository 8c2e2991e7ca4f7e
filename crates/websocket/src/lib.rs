//! netcore-websocket: WebSocket (RFC 6455) and permessage-deflate (RFC 7692), Node `ws`'s
//! counterpart. The sans-IO core is [`proto`]; [`server`] binds it to the netcore loop through
//! `netcore-http1`'s `upgrade` event, and [`client`] opens connections (`new WebSocket(url)`).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod client;
mod conn;
mod error;
mod handler;
mod pool;
pub mod proto;
pub mod server;

pub use conn::{WebSocketId, DEFAULT_CLOSE_TIMEOUT, DEFAULT_HIGH_WATER_MARK};
pub use error::Error;
pub use handler::{WebSocket, WebSocketHandler};
