//! The sans-IO HTTP/1.1 codec: bytes in, heads and body events out; heads and bodies serialized
//! into caller-owned buffers. No sockets, no clock it is not given.

mod error;
mod head;
mod limits;

pub use error::{ErrorKind, ParseError};
pub use head::{
    parse_request, parse_request_from, parse_response, parse_response_from, parse_trailers, Headers,
    RequestHead, ResponseHead, Version,
};
pub use limits::{
    Limits, DEFAULT_MAX_CHUNK_EXTENSION, DEFAULT_MAX_HEADERS, DEFAULT_MAX_HEADER_SIZE, DEFAULT_MAX_URL_LENGTH,
};
