#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod cert;
mod client;
mod config;
mod error;
pub mod https;
mod server;
mod session;
pub mod wss;

pub use cert::{CertError, DistinguishedName, PeerCertificate};
pub use client::{connect, connect_with, session, upgrade_client, upgrade_server};
pub use config::{
    certificates_from_pem, ClientConfig, ClientOptions, Identity, ServerConfig, ServerOptions, SniCallback,
    Version, DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_SESSION_CACHE_SIZE,
};
pub use error::Error;
pub use server::{listen, listen_with, TlsServerHandler};
pub use session::TlsSession;
