//! Parsed heads as the `http` crate's types (feature `http`): the other direction of
//! `encode::write_request_parts` / `encode::write_response_parts`.
//!
//! ```text
//! RequestHead  ─► http::request::Parts   method, uri (the target as sent), version, headers
//! ResponseHead ─► http::response::Parts  status, version, headers (the reason phrase is dropped)
//! Headers      ─► http::HeaderMap        values are Bytes slices of the head, not copies
//! Version      ─► http::Version
//! ```
//!
//! Nothing here copies a header value or the target: `http::HeaderValue` and `http::Uri` keep a
//! `Bytes` slice of the head's buffer. Header names are allocated only for names `http` does not
//! know (it stores them lowercase).
//!
//! The parser already checked every byte, but `http` is stricter in a few places (a target with
//! `<`, `>` or a backtick, or longer than 65534 bytes, is not a `Uri`), so each conversion returns
//! [`HttpConversionError`] rather than panicking.

use std::fmt;

use super::head::{Headers, RequestHead, ResponseHead, Version};

/// Why a parsed head could not become one of the `http` crate's types: which part `http`
/// refused. The message is well-formed HTTP/1.1 (the parser accepted it), but `http` is stricter
/// than RFC 9112 in a few places; a server answers such a request with 400.
///
/// Returned by the `TryFrom` conversions below (feature `http`), which are also callable as
/// [`Headers::to_header_map`], [`RequestHead::to_http_parts`] and
/// [`ResponseHead::to_http_parts`]:
///
/// - `http::HeaderMap: TryFrom<&Headers>`
/// - `http::request::Parts: TryFrom<&RequestHead>`
/// - `http::response::Parts: TryFrom<&ResponseHead>`
/// - `http::Version: From<Version>`
///
/// ```
/// use netcore_http1::proto::{parse_request, HttpConversionError, Limits};
/// // RFC 3986 has no `<` in a URI; httparse lets it through, `http::Uri` does not.
/// let raw = b"GET /a<b HTTP/1.1\r\nHost: example.com\r\n\r\n";
/// let (_, head) = parse_request(raw, &Limits::default()).unwrap().unwrap();
/// let err = http::request::Parts::try_from(&head).unwrap_err();
/// assert_eq!(err, HttpConversionError::InvalidUri);
/// assert_eq!(err.to_string(), "request target not accepted by http::Uri");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HttpConversionError {
    /// The method is not one `http::Method` accepts (every token is, since `http` 1.2).
    InvalidMethod,
    /// The request target is not one `http::Uri` accepts: `<`, `>` or a backtick anywhere, `"`
    /// in the query, or longer than 65534 bytes.
    InvalidUri,
    /// The status code is outside `100..=999`, which `http::StatusCode` refuses (the parser
    /// refuses it too).
    InvalidStatus,
    /// Header field `index` has a name `http::HeaderName` refuses (not a token).
    InvalidHeaderName {
        /// Position of the field in the header section, counted from 0 in received order.
        index: usize,
    },
    /// Header field `index` has a value `http::HeaderValue` refuses (a control character other
    /// than HTAB).
    InvalidHeaderValue {
        /// Position of the field in the header section, counted from 0 in received order.
        index: usize,
    },
    /// More fields than an `http::HeaderMap` holds (32768; the parser's limit is far below).
    TooManyHeaders,
}

impl fmt::Display for HttpConversionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpConversionError::InvalidMethod => f.write_str("method not accepted by http::Method"),
            HttpConversionError::InvalidUri => f.write_str("request target not accepted by http::Uri"),
            HttpConversionError::InvalidStatus => f.write_str("status code outside 100..=999"),
            HttpConversionError::InvalidHeaderName { index } => {
                write!(f, "header field {index}: name not accepted by http::HeaderName")
            }
            HttpConversionError::InvalidHeaderValue { index } => {
                write!(f, "header field {index}: value not accepted by http::HeaderValue")
            }
            HttpConversionError::TooManyHeaders => {
                f.write_str("more header fields than http::HeaderMap holds")
            }
        }
    }
}

impl std::error::Error for HttpConversionError {}

/// `HTTP/1.0` or `HTTP/1.1`.
///
/// ```
/// use netcore_http1::proto::Version;
/// assert_eq!(http::Version::from(Version::Http10), http::Version::HTTP_10);
/// assert_eq!(http::Version::from(Version::Http11), http::Version::HTTP_11);
/// ```
impl From<Version> for http::Version {
    fn from(version: Version) -> Self {
        match version {
            Version::Http10 => http::Version::HTTP_10,
            Version::Http11 => http::Version::HTTP_11,
        }
    }
}

/// Every field line, in received order within each name (see [`Headers::to_header_map`]).
///
/// ```
/// use netcore_http1::proto::{parse_request, Limits};
/// let raw = b"GET / HTTP/1.1\r\nHost: a\r\nAccept: text/html\r\nAccept: */*\r\n\r\n";
/// let (_, head) = parse_request(raw, &Limits::default()).unwrap().unwrap();
/// let map = http::HeaderMap::try_from(head.headers()).unwrap();
/// let accept: Vec<_> = map.get_all("accept").iter().collect();
/// assert_eq!(accept, ["text/html", "*/*"]);
/// ```
impl TryFrom<&Headers> for http::HeaderMap {
    type Error = HttpConversionError;

    fn try_from(headers: &Headers) -> Result<Self, Self::Error> {
        let mut map = http::HeaderMap::try_with_capacity(headers.len())
            .map_err(|_| HttpConversionError::TooManyHeaders)?;
        for index in 0..headers.len() {
            let (Some((name, _)), Some(value)) = (headers.get_index(index), headers.value_bytes(index))
            else {
                // Cannot happen: `index` is below `len()`.
                return Err(HttpConversionError::InvalidHeaderName { index });
            };
            let name = http::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| HttpConversionError::InvalidHeaderName { index })?;
            // A `Bytes` is taken as it is: the value stays a slice of the head, no copy.
            let value = http::HeaderValue::from_maybe_shared(value)
                .map_err(|_| HttpConversionError::InvalidHeaderValue { index })?;
            map.try_append(name, value).map_err(|_| HttpConversionError::TooManyHeaders)?;
        }
        Ok(map)
    }
}

/// The request line and headers (see [`RequestHead::to_http_parts`]).
///
/// ```
/// use netcore_http1::proto::{parse_request, Limits};
/// let raw = b"OPTIONS * HTTP/1.1\r\nHost: example.com\r\n\r\n";
/// let (_, head) = parse_request(raw, &Limits::default()).unwrap().unwrap();
/// let parts = http::request::Parts::try_from(&head).unwrap();
/// assert_eq!((parts.method, parts.uri.to_string()), (http::Method::OPTIONS, "*".to_string()));
/// ```
impl TryFrom<&RequestHead> for http::request::Parts {
    type Error = HttpConversionError;

    fn try_from(head: &RequestHead) -> Result<Self, Self::Error> {
        let method = http::Method::from_bytes(head.method().as_bytes())
            .map_err(|_| HttpConversionError::InvalidMethod)?;
        let target = head.target_bytes();
        let uri = http::Uri::from_maybe_shared(target).map_err(|_| HttpConversionError::InvalidUri)?;
        let headers = http::HeaderMap::try_from(head.headers())?;
        let (mut parts, ()) = http::Request::new(()).into_parts();
        parts.method = method;
        parts.uri = uri;
        parts.version = head.version().into();
        parts.headers = headers;
        Ok(parts)
    }
}

/// The status line and headers (see [`ResponseHead::to_http_parts`]).
///
/// ```
/// use netcore_http1::proto::{parse_response, Limits};
/// let raw = b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n";
/// let (_, head) = parse_response(raw, &Limits::default()).unwrap().unwrap();
/// let parts = http::response::Parts::try_from(&head).unwrap();
/// assert_eq!((parts.status, parts.version), (http::StatusCode::NOT_FOUND, http::Version::HTTP_10));
/// assert_eq!(parts.headers["content-length"], "0");
/// ```
impl TryFrom<&ResponseHead> for http::response::Parts {
    type Error = HttpConversionError;

    fn try_from(head: &ResponseHead) -> Result<Self, Self::Error> {
        let status =
            http::StatusCode::from_u16(head.status()).map_err(|_| HttpConversionError::InvalidStatus)?;
        let headers = http::HeaderMap::try_from(head.headers())?;
        let (mut parts, ()) = http::Response::new(()).into_parts();
        parts.status = status;
        parts.version = head.version().into();
        parts.headers = headers;
        Ok(parts)
    }
}

impl Headers {
    /// The section as an `http::HeaderMap` (feature `http`); also `HeaderMap::try_from(&headers)`.
    ///
    /// Every field line is kept, and the values of one name stay in received order, but the map
    /// groups values by name (a name's values come out together, at its first occurrence) and
    /// stores names lowercase: for the raw order and case use [`Headers::iter`]. Values are
    /// zero-copy `Bytes` slices of the head. Works for trailer sections too.
    ///
    /// ```
    /// use netcore_http1::proto::{parse_request, Limits};
    /// let raw = b"GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\nX-B: 2\r\nx-a: 3\r\n\r\n";
    /// let (_, head) = parse_request(raw, &Limits::default()).unwrap().unwrap();
    /// let map = head.headers().to_header_map().unwrap();
    /// let fields: Vec<_> = map.iter().map(|(n, v)| (n.as_str(), v.to_str().unwrap())).collect();
    /// assert_eq!(fields, [("host", "a"), ("x-a", "1"), ("x-a", "3"), ("x-b", "2")]);
    /// ```
    pub fn to_header_map(&self) -> Result<http::HeaderMap, HttpConversionError> {
        http::HeaderMap::try_from(self)
    }
}

impl RequestHead {
    /// The head as `http::request::Parts` (feature `http`); also `Parts::try_from(&head)`.
    ///
    /// The URI is the target as sent, parsed by `http::Uri` without a copy: a path and query for
    /// origin-form, scheme, authority, path and query for absolute-form, only an authority for
    /// `CONNECT`'s authority-form and the path `*` for `OPTIONS *` (RFC 9112 §3.2). `http::Uri`
    /// drops a fragment. Headers as [`Headers::to_header_map`]; extensions are empty.
    ///
    /// ```
    /// use netcore_http1::proto::{parse_request, Limits};
    /// let raw = b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n";
    /// let (_, head) = parse_request(raw, &Limits::default()).unwrap().unwrap();
    /// let parts = head.to_http_parts().unwrap();
    /// assert_eq!(parts.method, http::Method::CONNECT);
    /// assert_eq!(parts.uri.authority().map(|a| a.as_str()), Some("example.com:443"));
    /// assert_eq!(parts.version, http::Version::HTTP_11);
    /// ```
    pub fn to_http_parts(&self) -> Result<http::request::Parts, HttpConversionError> {
        http::request::Parts::try_from(self)
    }
}

impl ResponseHead {
    /// The head as `http::response::Parts` (feature `http`); also `Parts::try_from(&head)`.
    ///
    /// `http` has no place for the reason phrase, so it is dropped (it stays in
    /// [`ResponseHead::reason`]); any status code the parser accepts, `100..=999`, converts,
    /// unregistered ones included. Headers as [`Headers::to_header_map`]; extensions are empty.
    ///
    /// ```
    /// use netcore_http1::proto::{parse_response, Limits};
    /// let raw = b"HTTP/1.1 599 Network Connect Timeout\r\n\r\n";
    /// let (_, head) = parse_response(raw, &Limits::default()).unwrap().unwrap();
    /// let parts = head.to_http_parts().unwrap();
    /// assert_eq!(parts.status.as_u16(), 599);
    /// assert!(parts.headers.is_empty());
    /// ```
    pub fn to_http_parts(&self) -> Result<http::response::Parts, HttpConversionError> {
        http::response::Parts::try_from(self)
    }
}

#[cfg(test)]
mod tests {
    use super::super::encode::{write_request_parts, BodyLength};
    use super::super::framing::{request_body, BodyKind};
    use super::super::head::{parse_request, parse_response, parse_trailers};
    use super::super::limits::Limits;
    use super::*;

    fn request(raw: &str) -> RequestHead {
        parse_request(raw.as_bytes(), &Limits::default()).unwrap().unwrap().1
    }

    fn response(raw: &str) -> ResponseHead {
        parse_response(raw.as_bytes(), &Limits::default()).unwrap().unwrap().1
    }

    /// The fields as `http` orders them: by name (lowercase) at its first occurrence, each name's
    /// values in received order.
    fn grouped(headers: &Headers) -> Vec<(String, Vec<u8>)> {
        let mut out: Vec<(String, Vec<Vec<u8>>)> = Vec::new();
        for (name, value) in headers.iter() {
            let name = name.to_ascii_lowercase();
            match out.iter_mut().find(|(n, _)| *n == name) {
                Some((_, values)) => values.push(value.to_vec()),
                None => out.push((name, vec![value.to_vec()])),
            }
        }
        out.into_iter().flat_map(|(n, vs)| vs.into_iter().map(move |v| (n.clone(), v))).collect()
    }

    fn map_fields(map: &http::HeaderMap) -> Vec<(String, Vec<u8>)> {
        map.iter().map(|(n, v)| (n.as_str().to_string(), v.as_bytes().to_vec())).collect()
    }

    /// Parsed head → `http` parts → `write_request_parts` → parsed again.
    fn round_trip(head: &RequestHead) -> RequestHead {
        let parts = head.to_http_parts().unwrap();
        let body = match request_body(head, &Limits::default()).unwrap() {
            BodyKind::Empty => BodyLength::None,
            BodyKind::Length(n) => BodyLength::Known(n),
            BodyKind::Chunked => BodyLength::Chunked,
            BodyKind::UntilClose => unreachable!("requests are never close-delimited"),
        };
        let mut out = Vec::new();
        write_request_parts(&mut out, &parts, body).unwrap();
        let (len, again) = parse_request(&out, &Limits::default()).unwrap().unwrap();
        assert_eq!(len, out.len());
        again
    }

    #[test]
    fn requests_round_trip_through_http_parts() {
        let cases = [
            "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n",
            "GET /a/b?c=d&e HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\nUser-Agent: t\r\n\r\n",
            "POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\n",
            "PUT /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
            "GET /old HTTP/1.0\r\nUser-Agent: t\r\n\r\n",
            "PROPFIND /dav/ HTTP/1.1\r\nHost: a\r\nDepth: 1\r\nX-Quoted: \"x, y\"\r\n\r\n",
            "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
            "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
            "CONNECT [::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\n\r\n",
            "GET /%E2%82%AC?q=%20 HTTP/1.1\r\nHost: a\r\nX-Empty:\r\nX-Utf8: café\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nCookie: a=1\r\nX-A: 1\r\ncookie: b=2\r\nX-A: 2\r\n\r\n",
        ];
        for raw in cases {
            let head = request(raw);
            let again = round_trip(&head);
            assert_eq!(again.method(), head.method(), "{raw:?}");
            assert_eq!(again.target(), head.target(), "{raw:?}");
            assert_eq!(again.version(), head.version(), "{raw:?}");
            // Names come back lowercase and grouped by name, as `http` keeps them.
            assert_eq!(grouped(again.headers()), grouped(head.headers()), "{raw:?}");
        }
    }

    #[test]
    fn rfc9112_3_2_3_connect_authority_form() {
        let head = request("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
        let parts = http::request::Parts::try_from(&head).unwrap();
        assert_eq!(parts.method, http::Method::CONNECT);
        assert_eq!(parts.uri.scheme(), None);
        assert_eq!(parts.uri.authority().map(|a| a.as_str()), Some("example.com:443"));
        assert_eq!((parts.uri.host(), parts.uri.port_u16()), (Some("example.com"), Some(443)));
        assert_eq!(parts.uri.path_and_query(), None);
        assert_eq!(parts.uri.to_string(), "example.com:443");
    }

    #[test]
    fn rfc9112_3_2_4_options_asterisk_form() {
        let head = request("OPTIONS * HTTP/1.1\r\nHost: example.com\r\n\r\n");
        let parts = head.to_http_parts().unwrap();
        assert_eq!(parts.method, http::Method::OPTIONS);
        assert_eq!(parts.uri.path(), "*");
        assert_eq!((parts.uri.scheme(), parts.uri.authority()), (None, None));
        assert_eq!(parts.uri, "*");
    }

    #[test]
    fn rfc9112_3_2_2_absolute_form() {
        let head = request("GET http://user@a.example:8080/x/y?z=1 HTTP/1.1\r\nHost: a.example:8080\r\n\r\n");
        let parts = head.to_http_parts().unwrap();
        assert_eq!(parts.uri.scheme_str(), Some("http"));
        assert_eq!(parts.uri.authority().map(|a| a.as_str()), Some("user@a.example:8080"));
        assert_eq!(parts.uri.path_and_query().map(|p| p.as_str()), Some("/x/y?z=1"));
        assert_eq!(parts.uri, "http://user@a.example:8080/x/y?z=1");
        // `write_request_parts` sends origin-form (a proxy's job is not the encoder's): the
        // round trip keeps the path, the query and the Host field.
        let again = round_trip(&head);
        assert_eq!(again.target(), "/x/y?z=1");
        assert_eq!(again.headers().get("host"), Some(&b"a.example:8080"[..]));
    }

    #[test]
    fn origin_form_and_fragments() {
        let parts = request("GET /p?q HTTP/1.1\r\nHost: a\r\n\r\n").to_http_parts().unwrap();
        assert_eq!((parts.uri.path(), parts.uri.query()), ("/p", Some("q")));
        // A fragment is not part of a request target (RFC 9112 §3.2); `http::Uri` drops it.
        let parts = request("GET /p#frag HTTP/1.1\r\nHost: a\r\n\r\n").to_http_parts().unwrap();
        assert_eq!(parts.uri, "/p");
    }

    #[test]
    fn repeated_headers_keep_their_order() {
        let head = request(
            "GET / HTTP/1.1\r\nHost: a\r\nSet-Cookie: 1\r\nX-Other: o\r\nset-cookie: 2\r\nSET-COOKIE: 3\r\n\r\n",
        );
        let map = head.headers().to_header_map().unwrap();
        assert_eq!(map.len(), 5, "every field line is kept");
        let cookies: Vec<_> = map.get_all(http::header::SET_COOKIE).iter().collect();
        assert_eq!(cookies, ["1", "2", "3"]);
        assert_eq!(
            map_fields(&map),
            [
                ("host".to_string(), b"a".to_vec()),
                ("set-cookie".to_string(), b"1".to_vec()),
                ("set-cookie".to_string(), b"2".to_vec()),
                ("set-cookie".to_string(), b"3".to_vec()),
                ("x-other".to_string(), b"o".to_vec()),
            ]
        );
        assert_eq!(map_fields(&map), grouped(head.headers()));
    }

    #[test]
    fn values_and_target_share_the_head_buffer() {
        let head = request("GET /path?query HTTP/1.1\r\nHost: example.com\r\nX-Long: some value\r\n\r\n");
        let raw = head.raw().as_ptr_range();
        let parts = head.to_http_parts().unwrap();
        for (name, value) in &parts.headers {
            assert!(raw.contains(&value.as_bytes().as_ptr()), "{name} was copied");
        }
        assert!(raw.contains(&parts.uri.path().as_ptr()), "the target was copied");
    }

    #[test]
    fn header_bytes_http_accepts() {
        // obs-text (RFC 9110 §5.5) and HTAB inside a value; every tchar in a name.
        let raw =
            b"GET / HTTP/1.1\r\nHost: a\r\nX-Obs: a\x80\xffb\r\nX-Tab: a\tb\r\n!#$%&'*+-.^_`|~9: t\r\n\r\n";
        let (_, head) = parse_request(raw, &Limits::default()).unwrap().unwrap();
        let map = head.headers().to_header_map().unwrap();
        assert_eq!(map["x-obs"].as_bytes(), b"a\x80\xffb");
        assert_eq!(map["x-tab"].as_bytes(), b"a\tb");
        assert_eq!(map["!#$%&'*+-.^_`|~9"], "t");
    }

    #[test]
    fn methods_keep_their_case_and_extensions() {
        for (method, want) in [("GET", http::Method::GET), ("POST", http::Method::POST)] {
            let parts = request(&format!("{method} / HTTP/1.1\r\nHost: a\r\n\r\n")).to_http_parts().unwrap();
            assert_eq!(parts.method, want);
        }
        for method in ["get", "M-SEARCH", "PROPFIND", "A!#$%&'*+-.^_`|~", "AVERYLONGEXTENSIONMETHOD"] {
            let parts = request(&format!("{method} / HTTP/1.1\r\nHost: a\r\n\r\n")).to_http_parts().unwrap();
            assert_eq!(parts.method.as_str(), method);
        }
    }

    #[test]
    fn targets_http_refuses_are_errors() {
        for target in ["/a<b", "/a>b", "/a`b", "/a?b\"c", "http://a.example/<"] {
            let head = request(&format!("GET {target} HTTP/1.1\r\nHost: a\r\n\r\n"));
            assert_eq!(head.to_http_parts().unwrap_err(), HttpConversionError::InvalidUri, "{target:?}");
        }
        // Longer than `http::Uri` holds (65534 bytes), under a raised limit of ours.
        let limits = Limits { max_url_length: 1 << 17, max_header_size: 1 << 18, ..Limits::default() };
        let raw = format!("GET /{} HTTP/1.1\r\nHost: a\r\n\r\n", "a".repeat(70_000));
        let (_, head) = parse_request(raw.as_bytes(), &limits).unwrap().unwrap();
        assert_eq!(http::request::Parts::try_from(&head).unwrap_err(), HttpConversionError::InvalidUri);
    }

    #[test]
    fn responses_with_any_status() {
        let cases: &[(&str, u16, http::Version)] = &[
            ("HTTP/1.1 100 Continue\r\n\r\n", 100, http::Version::HTTP_11),
            ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", 101, http::Version::HTTP_11),
            ("HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\nLink: </b.js>; rel=preload\r\n\r\n", 103, http::Version::HTTP_11),
            ("HTTP/1.1 204 \r\n\r\n", 204, http::Version::HTTP_11),
            ("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n", 200, http::Version::HTTP_10),
            ("HTTP/1.1 599 Network Connect Timeout Error\r\n\r\n", 599, http::Version::HTTP_11),
            ("HTTP/1.1 999 Whatever\r\nX: y\r\n\r\n", 999, http::Version::HTTP_11),
        ];
        for &(raw, status, version) in cases {
            let head = response(raw);
            let parts = http::response::Parts::try_from(&head).unwrap();
            assert_eq!((parts.status.as_u16(), parts.version), (status, version), "{raw:?}");
            assert_eq!(map_fields(&parts.headers), grouped(head.headers()), "{raw:?}");
            assert!(parts.extensions.is_empty());
        }
        let head = response("HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\nLink: </b.js>\r\n\r\n");
        let links: Vec<_> = head.to_http_parts().unwrap().headers.get_all("link").iter().cloned().collect();
        assert_eq!(links, ["</a.css>", "</b.js>"]);
    }

    #[test]
    fn trailers_and_empty_sections() {
        let trailers =
            parse_trailers(b"Expires: never\r\nX-Sum: 1\r\nx-sum: 2\r\n\r\n", &Limits::default()).unwrap();
        let map = http::HeaderMap::try_from(&trailers).unwrap();
        assert_eq!(map_fields(&map), grouped(&trailers));
        assert!(Headers::default().to_header_map().unwrap().is_empty());
    }

    #[test]
    fn versions() {
        assert_eq!(http::Version::from(Version::Http10), http::Version::HTTP_10);
        assert_eq!(http::Version::from(Version::Http11), http::Version::HTTP_11);
        assert_eq!(
            request("GET / HTTP/1.0\r\n\r\n").to_http_parts().unwrap().version,
            http::Version::HTTP_10
        );
    }

    #[test]
    fn errors_say_which_part() {
        let cases = [
            (HttpConversionError::InvalidMethod, "method not accepted by http::Method"),
            (HttpConversionError::InvalidUri, "request target not accepted by http::Uri"),
            (HttpConversionError::InvalidStatus, "status code outside 100..=999"),
            (
                HttpConversionError::InvalidHeaderName { index: 2 },
                "header field 2: name not accepted by http::HeaderName",
            ),
            (
                HttpConversionError::InvalidHeaderValue { index: 0 },
                "header field 0: value not accepted by http::HeaderValue",
            ),
            (HttpConversionError::TooManyHeaders, "more header fields than http::HeaderMap holds"),
        ];
        for (error, text) in cases {
            assert_eq!(error.to_string(), text);
            let _: &dyn std::error::Error = &error;
        }
    }

    mod roundtrip {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn any_origin_form_request_round_trips(
                method in "[!#$%&'*+.^_`|~0-9A-Za-z-]{1,12}".prop_filter("CONNECT takes authority-form", |m| m != "CONNECT"),
                target in "/[!$-;=?-_a-~]{0,40}",
                minor in 0u8..=1,
                fields in proptest::collection::vec(
                    ("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,16}", "[!-~]([ !-~]{0,20}[!-~])?"),
                    0..24,
                ),
            ) {
                let framing = ["host", "content-length", "transfer-encoding"];
                let mut raw = format!("{method} {target} HTTP/1.{minor}\r\nHost: example.com\r\n");
                for (name, value) in fields.iter().filter(|(n, _)| !framing.iter().any(|f| n.eq_ignore_ascii_case(f))) {
                    raw.push_str(&format!("{name}: {value}\r\n"));
                }
                raw.push_str("\r\n");
                let head = request(&raw);
                let again = round_trip(&head);
                prop_assert_eq!(again.method(), head.method());
                prop_assert_eq!(again.target(), head.target());
                prop_assert_eq!(again.version(), head.version());
                prop_assert_eq!(grouped(again.headers()), grouped(head.headers()));
            }
        }
    }
}
