#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

mod connect;
mod error;
mod layer;
mod server;
mod socket;
mod splice;
mod stream;

pub use connect::{connect, connect_addrs, connect_path, connect_with};
pub use error::Error;
pub use layer::{Layer, LayerFactory, LayerStatus};
pub use server::{listen, listen_path, listen_with, ServerHandler, ServerId, ServerOptions, DEFAULT_BACKLOG};
pub use socket::{on_data, OnData, Socket, SocketHandler, SocketId, SocketOptions, DEFAULT_HIGH_WATER_MARK};
pub use stream::Address;
