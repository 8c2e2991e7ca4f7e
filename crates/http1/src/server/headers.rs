//! The header fields of an outgoing response (Node's `res.setHeader` family): names with the
//! caller's case, values as bytes, checked when set so that nothing can split a response.

use std::fmt;

use crate::proto::encode::{is_field_name, is_field_value};

/// A header name or value a response refused (RFC 9110 §5.1, §5.5): a name that is not a
/// token, or a value with CR, LF, NUL or another control character other than HTAB. Node throws
/// `ERR_INVALID_HTTP_TOKEN` / `ERR_INVALID_CHAR` for the same.
///
/// ```
/// # use std::io::{Read, Write};
/// # use netcore::EventLoop;
/// # use netcore_http1::server::ServerId;
/// # // Sends `request` from a plain socket, runs the loop to its end, returns the raw response.
/// # fn exchange(lp: &mut EventLoop, server: ServerId, request: &str) -> std::io::Result<String> {
/// #     let mut client = std::net::TcpStream::connect(server.address(lp).unwrap().to_string())?;
/// #     client.write_all(request.as_bytes())?;
/// #     client.shutdown(std::net::Shutdown::Write)?; // the server answers, then closes
/// #     lp.run()?;
/// #     let mut response = String::new();
/// #     client.read_to_string(&mut response)?;
/// #     Ok(response)
/// # }
/// # // What the handlers call when done: `ServerId::close`, the id kept in the loop's state.
/// # fn close_server(lp: &mut EventLoop) {
/// #     let server = *lp.state::<ServerId>().unwrap();
/// #     server.close(lp);
/// # }
/// use netcore_http1::server::{listen, HeaderError, Request, Response};
///
/// let mut lp = EventLoop::new()?;
/// let server = listen(&mut lp, "127.0.0.1:0", |_: &Request<'_>, res: &mut Response<'_>| {
///     assert_eq!(res.set_header("Bad Name", "x"), Err(HeaderError::InvalidName));
///     let split = res.set_header("Location", "/a\r\nSet-Cookie: x=1").unwrap_err();
///     assert_eq!((split, split.code()), (HeaderError::InvalidValue, "ERR_INVALID_CHAR"));
///     res.flush_headers();
///     assert_eq!(res.set_header("X-Late", "1"), Err(HeaderError::HeadersSent));
///     close_server(res.lp());
///     res.end(b"");
/// })?;
/// lp.set_state(server);
/// let response = exchange(&mut lp, server, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")?;
/// assert!(!response.contains("Set-Cookie") && !response.contains("X-Late"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderError {
    /// The name is empty or not a token (`ERR_INVALID_HTTP_TOKEN`).
    InvalidName,
    /// The value holds a forbidden byte (`ERR_INVALID_CHAR`).
    InvalidValue,
    /// The head was already sent (`ERR_HTTP_HEADERS_SENT`).
    HeadersSent,
}

impl HeaderError {
    /// Node's error code for it.
    pub fn code(self) -> &'static str {
        match self {
            HeaderError::InvalidName => "ERR_INVALID_HTTP_TOKEN",
            HeaderError::InvalidValue => "ERR_INVALID_CHAR",
            HeaderError::HeadersSent => "ERR_HTTP_HEADERS_SENT",
        }
    }
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HeaderError::InvalidName => "header name is not a token",
            HeaderError::InvalidValue => "header value holds a control character",
            HeaderError::HeadersSent => "cannot set headers after they are sent",
        })
    }
}

impl std::error::Error for HeaderError {}

/// Response header fields in the order set, kept in one byte buffer (no allocation per field
/// once the buffer has grown; it is reused from response to response on a connection).
#[derive(Debug, Clone, Default)]
pub(crate) struct HeaderList {
    bytes: Vec<u8>,
    /// `(name_start, name_end, value_end)` into `bytes`; the value starts at `name_end`.
    fields: Vec<(u32, u32, u32)>,
}

pub(crate) fn check_name(name: &str) -> Result<(), HeaderError> {
    if is_field_name(name) {
        Ok(())
    } else {
        Err(HeaderError::InvalidName)
    }
}

pub(crate) fn check_value(value: &[u8]) -> Result<(), HeaderError> {
    if is_field_value(value) {
        Ok(())
    } else {
        Err(HeaderError::InvalidValue)
    }
}

impl HeaderList {
    pub(crate) fn clear(&mut self) {
        self.bytes.clear();
        self.fields.clear();
    }

    fn field(&self, i: usize) -> (&str, &[u8]) {
        let (n0, n1, v1) = self.fields[i];
        let name = std::str::from_utf8(&self.bytes[n0 as usize..n1 as usize]).unwrap_or_default();
        (name, &self.bytes[n1 as usize..v1 as usize])
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> + '_ {
        (0..self.fields.len()).map(|i| self.field(i))
    }

    /// Replaces every field named `name` with one field (`res.setHeader`).
    pub(crate) fn set(&mut self, name: &str, value: &[u8]) -> Result<(), HeaderError> {
        check_name(name)?;
        check_value(value)?;
        self.remove(name);
        self.push(name, value);
        Ok(())
    }

    /// Adds a field without removing others of the name (`res.appendHeader`).
    pub(crate) fn append(&mut self, name: &str, value: &[u8]) -> Result<(), HeaderError> {
        check_name(name)?;
        check_value(value)?;
        self.push(name, value);
        Ok(())
    }

    fn push(&mut self, name: &str, value: &[u8]) {
        let n0 = self.bytes.len() as u32;
        self.bytes.extend_from_slice(name.as_bytes());
        let n1 = self.bytes.len() as u32;
        self.bytes.extend_from_slice(value);
        self.fields.push((n0, n1, self.bytes.len() as u32));
    }

    pub(crate) fn get(&self, name: &str) -> Option<&[u8]> {
        self.raw().find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes())).map(|(_, v)| v)
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Removes every field named `name` (the bytes stay until `clear`: removal is rare).
    pub(crate) fn remove(&mut self, name: &str) -> bool {
        let before = self.fields.len();
        let bytes = &self.bytes;
        self.fields
            .retain(|&(n0, n1, _)| !bytes[n0 as usize..n1 as usize].eq_ignore_ascii_case(name.as_bytes()));
        self.fields.len() != before
    }

    /// The fields as the serializer takes them: byte pairs, no allocation.
    pub(crate) fn raw(&self) -> impl Iterator<Item = (&[u8], &[u8])> + Clone + '_ {
        self.fields.iter().map(|&(n0, n1, v1)| {
            (&self.bytes[n0 as usize..n1 as usize], &self.bytes[n1 as usize..v1 as usize])
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_replaces_append_adds_remove_removes_all_case_insensitively() {
        let mut h = HeaderList::default();
        h.set("Content-Type", b"text/plain").unwrap();
        h.append("Set-Cookie", b"a=1").unwrap();
        h.append("set-cookie", b"b=2").unwrap();
        h.set("content-type", b"text/html").unwrap();
        let all: Vec<_> = h.iter().map(|(n, v)| (n.to_string(), v.to_vec())).collect();
        assert_eq!(
            all,
            [
                ("Set-Cookie".to_string(), b"a=1".to_vec()),
                ("set-cookie".to_string(), b"b=2".to_vec()),
                ("content-type".to_string(), b"text/html".to_vec())
            ]
        );
        assert!(h.remove("SET-COOKIE"));
        assert_eq!(h.iter().count(), 1);
        assert_eq!(h.get("Content-Type"), Some(&b"text/html"[..]));
    }

    #[test]
    fn nothing_that_splits_a_response_gets_in() {
        let mut h = HeaderList::default();
        assert_eq!(h.set("X", b"a\r\nSet-Cookie: evil=1"), Err(HeaderError::InvalidValue));
        assert_eq!(h.set("X\r\nY", b"1"), Err(HeaderError::InvalidName));
        assert_eq!(h.set("", b"1"), Err(HeaderError::InvalidName));
        assert_eq!(h.set("X", b"a\0b"), Err(HeaderError::InvalidValue));
        assert!(h.set("X", b"tab\tand obs-text \xff").is_ok());
        assert_eq!(HeaderError::InvalidName.code(), "ERR_INVALID_HTTP_TOKEN");
    }
}
