#![doc = include_str!("../README.md")]
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
