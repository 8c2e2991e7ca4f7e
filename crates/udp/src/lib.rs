#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

mod error;
mod socket;
mod sys;

pub use error::Error;
pub use socket::{
    bind, bind_with, on_message, BindOptions, OnMessage, RemoteInfo, SendId, Socket, SocketHandler, SocketId,
};
