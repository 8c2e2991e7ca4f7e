//! netcore-websocket: WebSocket (RFC 6455) with permessage-deflate (RFC 7692), Node `ws`'s
//! counterpart: a sans-IO core ([`proto`]) and its binding to the netcore loop — a server
//! ([`server`], standalone or on a `netcore-http1` server's `upgrade` event, `ws`'s `noServer`
//! mode, with a [`server::Router`] for several paths) and a client ([`client`],
//! `new WebSocket(url)`).
//!
//! ```text
//!  http1 upgrade ─► handshake (§4: key, version, subprotocol, permessage-deflate offer) ─► 101
//!  socket bytes ─► Session::receive ─► Message / Ping / Pong / Close ─► WebSocketHandler
//!                   (unmask, UTF-8,     (inflated, bounded)   (Pong and Close answered here)
//!                    limits, §5 rules)
//!  WebSocket::send / send_fragment / ping / close ─► frames ─► one write per read ─► socket
//! ```
//!
//! Defaults are Node `ws`'s where it has them: messages and frames up to 100 MiB (1009 beyond),
//! a 30 s closing-handshake timeout, compression offered by clients and off on servers unless
//! [`server::ServerOptions::deflate`] is set, a 1 KiB compression threshold. Bounds `ws` lacks:
//! at most 131 072 fragments per message, reading paused while more than the 64 KiB high-water
//! mark is owed to a peer that does not read, and at most
//! [`server::DEFAULT_MAX_DEFLATE_CONTEXTS`] connections per loop keeping compression windows
//! (the others share pooled states). The Autobahn|Testsuite runs against both ends
//! (`scripts/autobahn.sh`).
//!
//! The seed's echo server:
//!
//! ```no_run
//! use bytes::Bytes;
//! use netcore_websocket::server::{listen, ServerOptions};
//! use netcore_websocket::WebSocket;
//!
//! let mut lp = netcore::EventLoop::new()?;
//! listen(&mut lp, "127.0.0.1:8080", ServerOptions::default(), |_head: &_| {
//!     |ws: &mut WebSocket<'_>, data: Bytes, is_binary: bool| {
//!         ws.send(&data, is_binary);
//!     }
//! })?;
//! lp.run()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
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
