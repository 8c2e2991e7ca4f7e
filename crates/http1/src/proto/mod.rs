//! The sans-IO HTTP/1.1 codec: bytes in, heads and body events out; heads and bodies serialized
//! into caller-owned buffers. No sockets, no clock it is not given.

mod chunked;
mod decoder;
pub mod encode;
mod error;
mod fields;
mod framing;
mod head;
#[cfg(feature = "http")]
mod interop;
mod limits;
mod syntax;

pub use chunked::{ChunkEvent, ChunkedDecoder, ChunkedEncoder, TrailerError, MAX_CHUNK_SIZE_DIGITS};
pub use decoder::{MessageInfo, RequestDecoder, RequestEvent, ResponseDecoder, ResponseEvent};
pub use error::{ErrorKind, ParseError};
pub use framing::{expects_continue, keep_alive, request_body, response_body, wants_upgrade, BodyKind};
pub use head::{
    parse_request, parse_request_from, parse_response, parse_response_from, parse_trailers, Headers,
    RequestHead, ResponseHead, Version,
};
#[cfg(feature = "http")]
pub use interop::HttpConversionError;
pub use limits::{
    Limits, DEFAULT_MAX_CHUNK_EXTENSION, DEFAULT_MAX_HEADERS, DEFAULT_MAX_HEADER_SIZE, DEFAULT_MAX_URL_LENGTH,
};
pub use syntax::{is_tchar, is_token};
