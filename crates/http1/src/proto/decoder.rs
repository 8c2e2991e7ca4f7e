//! The message decoders: a connection's bytes in, a stream of events out, for either role.
//!
//! ```text
//!  bytes ──► RequestDecoder ──► Head ─► Data* ─► Trailers? ─► End ─► Head ─► …   (pipelined)
//!                                            └─► Upgrade (CONNECT / Upgrade: the rest is not HTTP)
//! ```
//!
//! The decoder owns no socket and no buffer: the caller appends what it read to a `BytesMut` and
//! calls `decode` until it returns `Ok(None)`. Heads and body data are zero-copy `Bytes` split off
//! that buffer. After a message that ends the connection (`Connection: close`, HTTP/1.0 without
//! keep-alive) nothing more is ever parsed: bytes after it cannot be smuggled in as a new request.

use bytes::{Bytes, BytesMut};

use super::chunked::{ChunkEvent, ChunkedDecoder};
use super::error::{ErrorKind, ParseError};
use super::framing::{self, BodyKind, ConnectionOptions};
use super::head::{self, Headers, RequestHead, ResponseHead};
use super::limits::Limits;

/// What the current message's head said about its framing and the connection.
///
/// ```
/// use bytes::BytesMut;
/// use netcore_http1::proto::{BodyKind, Limits, RequestDecoder};
/// let mut dec = RequestDecoder::new(Limits::default());
/// let mut buf = BytesMut::from(
///     &b"PUT /f HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n"[..],
/// );
/// dec.decode(&mut buf)?; // the head
/// let info = dec.info().unwrap();
/// assert_eq!(info.body, BodyKind::Length(3));
/// assert!(info.keep_alive && info.expects_continue && !info.upgrade);
/// # Ok::<(), netcore_http1::proto::ParseError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageInfo {
    /// How the body is delimited.
    pub body: BodyKind,
    /// Whether the connection persists after this message.
    pub keep_alive: bool,
    /// The request carries `Expect: 100-continue` (answer it before reading the body).
    pub expects_continue: bool,
    /// The message switches protocols after it (Upgrade, 101, or CONNECT): see [`RequestEvent::Upgrade`].
    pub upgrade: bool,
}

/// An event from a [`RequestDecoder`].
///
/// ```
/// use bytes::BytesMut;
/// use netcore_http1::proto::{Limits, RequestDecoder, RequestEvent};
/// let mut dec = RequestDecoder::new(Limits::default());
/// let mut buf = BytesMut::from(
///     &b"POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n\
///        5\r\nhello\r\n0\r\nDigest: x\r\n\r\n\
///        GET /chat HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nframes"[..],
/// );
/// assert!(matches!(dec.decode(&mut buf)?, Some(RequestEvent::Head(h)) if h.method() == "POST"));
/// assert_eq!(dec.decode(&mut buf)?, Some(RequestEvent::Data("hello".into()))); // de-chunked
/// let Some(RequestEvent::Trailers(t)) = dec.decode(&mut buf)? else { panic!("trailers") };
/// assert_eq!(t.get("digest"), Some(&b"x"[..]));
/// assert_eq!(dec.decode(&mut buf)?, Some(RequestEvent::End));
/// assert!(matches!(dec.decode(&mut buf)?, Some(RequestEvent::Head(h)) if h.target() == "/chat"));
/// assert_eq!(dec.decode(&mut buf)?, Some(RequestEvent::End));
/// assert_eq!(dec.decode(&mut buf)?, Some(RequestEvent::Upgrade));
/// assert_eq!(&buf[..], b"frames"); // the new protocol's bytes, untouched
/// # Ok::<(), netcore_http1::proto::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestEvent {
    /// A request head; [`RequestDecoder::info`] tells its framing.
    Head(RequestHead),
    /// A piece of the body (already de-chunked).
    Data(Bytes),
    /// The trailer section of a chunked body.
    Trailers(Headers),
    /// The message is complete.
    End,
    /// The request was CONNECT or an upgrade: every byte after it belongs to the new protocol and
    /// is left in the buffer, untouched. Call [`RequestDecoder::decline_upgrade`] to go on with
    /// HTTP instead (an upgrade the server does not accept).
    Upgrade,
}

/// An event from a [`ResponseDecoder`].
///
/// ```
/// use bytes::BytesMut;
/// use netcore_http1::proto::{Limits, ResponseDecoder, ResponseEvent};
/// let mut dec = ResponseDecoder::new(Limits::default());
/// dec.expect("GET");
/// let mut buf = BytesMut::from(
///     &b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n\
///        HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nframes"[..],
/// );
/// let Some(ResponseEvent::Informational(hints)) = dec.decode(&mut buf)? else { panic!("103") };
/// assert_eq!(hints.headers().get("link"), Some(&b"</a.css>"[..]));
/// assert!(matches!(dec.decode(&mut buf)?, Some(ResponseEvent::Head(h)) if h.status() == 101));
/// assert_eq!(dec.decode(&mut buf)?, Some(ResponseEvent::End));
/// assert_eq!(dec.decode(&mut buf)?, Some(ResponseEvent::Upgrade));
/// assert_eq!(&buf[..], b"frames");
/// # Ok::<(), netcore_http1::proto::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseEvent {
    /// An informational (1xx) response other than 101; the final response follows.
    Informational(ResponseHead),
    /// The final response head; [`ResponseDecoder::info`] tells its framing.
    Head(ResponseHead),
    /// A piece of the body.
    Data(Bytes),
    /// The trailer section of a chunked body.
    Trailers(Headers),
    /// The message is complete.
    End,
    /// 101 Switching Protocols or a 2xx to CONNECT: the rest of the bytes belong to the new
    /// protocol.
    Upgrade,
}

#[derive(Debug)]
enum Body {
    Length(u64),
    Chunked(Box<ChunkedDecoder>),
    UntilClose,
}

#[derive(Debug)]
enum State {
    Head,
    Body(Body),
    /// The message is complete; `End` has been returned.
    Ended,
    /// A message ended the connection: nothing more is parsed.
    Closed,
    Upgraded,
    Failed(ParseError),
}

/// The body part both roles share.
#[derive(Debug)]
struct BodyReader {
    state: State,
    /// Bytes of the current message consumed so far (for error offsets).
    offset: usize,
    limits: Limits,
}

enum BodyEvent {
    Data(Bytes),
    Trailers(Headers),
    End,
}

impl BodyReader {
    fn new(limits: Limits) -> Self {
        Self { state: State::Head, offset: 0, limits }
    }

    fn start(&mut self, kind: BodyKind) {
        self.state = match kind {
            BodyKind::Empty => State::Body(Body::Length(0)),
            BodyKind::Length(n) => State::Body(Body::Length(n)),
            // Error offsets count from the message's first byte.
            BodyKind::Chunked => {
                State::Body(Body::Chunked(Box::new(ChunkedDecoder::starting_at(self.limits, self.offset))))
            }
            BodyKind::UntilClose => State::Body(Body::UntilClose),
        };
    }

    fn fail(&mut self, e: ParseError) -> ParseError {
        self.state = State::Failed(e);
        e
    }

    /// Leaves `Ended` for what comes after the message; true if it switched protocols.
    fn after_end(&mut self, info: Option<MessageInfo>) -> bool {
        let (upgrade, keep_alive) = info.map_or((false, false), |i| (i.upgrade, i.keep_alive));
        self.state = if upgrade {
            State::Upgraded
        } else if keep_alive {
            State::Head
        } else {
            State::Closed
        };
        upgrade
    }

    /// [`next`](Self::next), moving to `Ended` when the body is complete.
    fn body_event(&mut self, buf: &mut BytesMut) -> Result<Option<BodyEvent>, ParseError> {
        let event = self.next(buf)?;
        if matches!(event, Some(BodyEvent::End)) {
            self.state = State::Ended;
            self.offset = 0;
        }
        Ok(event)
    }

    /// The connection ended inside a body.
    fn fail_eof(&mut self) -> ParseError {
        let e = ParseError::new(ErrorKind::UnexpectedEof, self.offset);
        self.fail(e)
    }

    /// The next body event, or `None` if more bytes are needed.
    fn next(&mut self, buf: &mut BytesMut) -> Result<Option<BodyEvent>, ParseError> {
        let State::Body(body) = &mut self.state else { return Ok(None) };
        match body {
            Body::Length(0) => Ok(Some(BodyEvent::End)),
            Body::Length(remaining) => {
                if buf.is_empty() {
                    return Ok(None);
                }
                let n = (*remaining).min(buf.len() as u64) as usize;
                *remaining -= n as u64;
                self.offset += n;
                Ok(Some(BodyEvent::Data(buf.split_to(n).freeze())))
            }
            Body::UntilClose => {
                if buf.is_empty() {
                    return Ok(None);
                }
                self.offset += buf.len();
                Ok(Some(BodyEvent::Data(buf.split().freeze())))
            }
            Body::Chunked(dec) => loop {
                let base = self.offset;
                let (used, event) = match dec.decode(buf) {
                    Ok(r) => r,
                    Err(e) => return Err(self.fail(e)),
                };
                match event {
                    Some(ChunkEvent::Data(range)) => {
                        let head = buf.split_to(used).freeze();
                        self.offset += used;
                        return Ok(Some(BodyEvent::Data(head.slice(range))));
                    }
                    Some(ChunkEvent::Trailers(raw)) => {
                        let _ = buf.split_to(used);
                        self.offset += used;
                        let trailers = head::parse_trailers(&raw, &self.limits)
                            .map_err(|e| ParseError::new(e.kind, base))?;
                        return Ok(Some(BodyEvent::Trailers(trailers)));
                    }
                    Some(ChunkEvent::End) => {
                        let _ = buf.split_to(used);
                        self.offset += used;
                        return Ok(Some(BodyEvent::End));
                    }
                    None => {
                        let _ = buf.split_to(used);
                        self.offset += used;
                        if used == 0 || buf.is_empty() {
                            return Ok(None);
                        }
                    }
                }
            },
        }
    }
}

/// Decodes the requests a server receives on one connection.
///
/// ```
/// use bytes::BytesMut;
/// use netcore_http1::proto::{RequestDecoder, RequestEvent, Limits};
/// let mut dec = RequestDecoder::new(Limits::default());
/// let mut buf = BytesMut::from(&b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhiGET /b HTTP/1.1\r\nHost: x\r\n\r\n"[..]);
/// let mut events = Vec::new();
/// while let Some(ev) = dec.decode(&mut buf).unwrap() {
///     events.push(match ev {
///         RequestEvent::Head(h) => format!("head {}", h.target()),
///         RequestEvent::Data(d) => format!("data {}", String::from_utf8_lossy(&d)),
///         other => format!("{other:?}"),
///     });
/// }
/// assert_eq!(events, ["head /a", "data hi", "End", "head /b", "End"]);
/// ```
#[derive(Debug)]
pub struct RequestDecoder {
    body: BodyReader,
    info: Option<MessageInfo>,
}

impl RequestDecoder {
    /// A decoder with these limits.
    pub fn new(limits: Limits) -> Self {
        Self { body: BodyReader::new(limits), info: None }
    }

    /// The framing of the current (or last) message.
    pub fn info(&self) -> Option<&MessageInfo> {
        self.info.as_ref()
    }

    /// Whether the connection may carry another request.
    pub fn is_closed(&self) -> bool {
        matches!(self.body.state, State::Closed | State::Failed(_))
    }

    /// The next event, or `Ok(None)` when more bytes are needed (or the connection is done).
    /// After an error the decoder stays failed and returns that error again.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<RequestEvent>, ParseError> {
        loop {
            match &self.body.state {
                State::Failed(e) => return Err(*e),
                State::Closed | State::Upgraded => return Ok(None),
                State::Ended => {
                    if self.body.after_end(self.info) {
                        return Ok(Some(RequestEvent::Upgrade));
                    }
                }
                State::Head => {
                    if buf.is_empty() {
                        return Ok(None);
                    }
                    let head = match head::parse_request_from(buf, &self.body.limits) {
                        Ok(Some(h)) => h,
                        Ok(None) => return Ok(None),
                        Err(e) => return Err(self.body.fail(e)),
                    };
                    self.start(&head)?;
                    return Ok(Some(RequestEvent::Head(head)));
                }
                State::Body(_) => {
                    return Ok(self.body.body_event(buf)?.map(|ev| match ev {
                        BodyEvent::Data(d) => RequestEvent::Data(d),
                        BodyEvent::Trailers(t) => RequestEvent::Trailers(t),
                        BodyEvent::End => RequestEvent::End,
                    }));
                }
            }
        }
    }

    /// The next request's head read straight from `input`, for a caller with nothing buffered:
    /// the head is copied out of `input` (one allocation, the size of the head) and the number of
    /// bytes it took is returned with it; the caller keeps the rest of `input` and goes on with
    /// [`decode`](Self::decode) on a buffer holding it. This saves a connection that reads one
    /// request at a time from buffering every request it reads.
    ///
    /// `Ok(None)` when `input` does not hold a whole head or the decoder is not between
    /// messages: nothing was taken, and the caller buffers `input` and calls `decode`, which
    /// gives the same events. Errors are `decode`'s.
    ///
    /// ```
    /// use netcore_http1::proto::{Limits, RequestDecoder, RequestEvent};
    /// let mut dec = RequestDecoder::new(Limits::default());
    /// let input = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b";
    /// let (used, head) = dec.decode_head(input).unwrap().unwrap();
    /// assert_eq!((used, head.target()), (28, "/a"));
    /// let mut buf = bytes::BytesMut::from(&input[used..]);
    /// assert_eq!(dec.decode(&mut buf).unwrap(), Some(RequestEvent::End));
    /// assert_eq!(dec.decode(&mut buf).unwrap(), None); // "GET /b" is incomplete
    /// ```
    pub fn decode_head(&mut self, input: &[u8]) -> Result<Option<(usize, RequestHead)>, ParseError> {
        match &self.body.state {
            State::Failed(e) => return Err(*e),
            State::Head => {}
            // An upgrade's end is an event of its own: left to `decode`.
            State::Ended if !self.info.is_some_and(|i| i.upgrade) => {
                self.body.after_end(self.info);
                if !matches!(self.body.state, State::Head) {
                    return Ok(None);
                }
            }
            _ => return Ok(None),
        }
        let (len, head) = match head::parse_request(input, &self.body.limits) {
            Ok(Some(parsed)) => parsed,
            Ok(None) => return Ok(None),
            Err(e) => return Err(self.body.fail(e)),
        };
        self.start(&head)?;
        Ok(Some((len, head)))
    }

    /// The framing decision for a new request's head; the decoder moves on to its body.
    fn start(&mut self, head: &RequestHead) -> Result<(), ParseError> {
        let kind = match framing::request_body(head, &self.body.limits) {
            Ok(k) => k,
            Err(e) => return Err(self.body.fail(e)),
        };
        let connection = ConnectionOptions::of(head.headers());
        self.info = Some(MessageInfo {
            body: kind,
            keep_alive: connection.keep_alive(head.version()),
            expects_continue: framing::expects_continue(head),
            upgrade: head.is_connect() || connection.upgrade(),
        });
        self.body.offset = head.raw().len();
        self.body.start(kind);
        Ok(())
    }

    /// After [`RequestEvent::Upgrade`] for an upgrade the server does not accept: go on parsing
    /// HTTP (the request was an ordinary one after all).
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use netcore_http1::proto::{Limits, RequestDecoder, RequestEvent};
    /// let mut dec = RequestDecoder::new(Limits::default());
    /// let mut buf = BytesMut::from(
    ///     &b"GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n\
    ///        GET /next HTTP/1.1\r\nHost: a\r\n\r\n"[..],
    /// );
    /// assert!(matches!(dec.decode(&mut buf)?, Some(RequestEvent::Head(_))));
    /// assert_eq!(dec.decode(&mut buf)?, Some(RequestEvent::End));
    /// assert_eq!(dec.decode(&mut buf)?, Some(RequestEvent::Upgrade));
    /// dec.decline_upgrade(); // no h2c here: the next bytes are HTTP/1.1 again
    /// assert!(matches!(dec.decode(&mut buf)?, Some(RequestEvent::Head(h)) if h.target() == "/next"));
    /// # Ok::<(), netcore_http1::proto::ParseError>(())
    /// ```
    pub fn decline_upgrade(&mut self) {
        if matches!(self.body.state, State::Upgraded) {
            let keep = self.info.is_some_and(|i| i.keep_alive);
            self.body.state = if keep { State::Head } else { State::Closed };
        }
    }

    /// The peer closed the connection: fine between requests, an error inside one.
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use netcore_http1::proto::{ErrorKind, Limits, RequestDecoder};
    /// let mut dec = RequestDecoder::new(Limits::default());
    /// assert_eq!(dec.decode_eof(), Ok(())); // closed between requests: fine
    /// let mut buf = BytesMut::from(&b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc"[..]);
    /// while dec.decode(&mut buf)?.is_some() {} // the head and 3 of the 10 body bytes
    /// let err = dec.decode_eof().unwrap_err();
    /// assert_eq!(err.kind, ErrorKind::UnexpectedEof);
    /// # Ok::<(), netcore_http1::proto::ParseError>(())
    /// ```
    pub fn decode_eof(&mut self) -> Result<(), ParseError> {
        match &self.body.state {
            State::Failed(e) => Err(*e),
            State::Body(_) => Err(self.body.fail_eof()),
            _ => Ok(()),
        }
    }
}

/// Decodes the responses a client receives on one connection. Tell it each request's method
/// with [`expect`](Self::expect) (HEAD and CONNECT change how a response is framed).
///
/// ```
/// use bytes::BytesMut;
/// use netcore_http1::proto::{Limits, ResponseDecoder, ResponseEvent};
///
/// let mut decoder = ResponseDecoder::new(Limits::default());
/// decoder.expect("GET"); // a request went out: its response comes next
/// let mut buf = BytesMut::from(&b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"[..]);
/// let Some(ResponseEvent::Head(head)) = decoder.decode(&mut buf)? else { panic!("a head") };
/// assert_eq!((head.status(), head.reason()), (200, "OK"));
/// assert_eq!(decoder.decode(&mut buf)?, Some(ResponseEvent::Data("hi".into())));
/// assert_eq!(decoder.decode(&mut buf)?, Some(ResponseEvent::End));
/// assert_eq!(decoder.decode(&mut buf)?, None); // wants more bytes
/// # Ok::<(), netcore_http1::proto::ParseError>(())
/// ```
#[derive(Debug)]
pub struct ResponseDecoder {
    body: BodyReader,
    info: Option<MessageInfo>,
    methods: std::collections::VecDeque<Box<str>>,
}

impl ResponseDecoder {
    /// A decoder with these limits.
    pub fn new(limits: Limits) -> Self {
        Self { body: BodyReader::new(limits), info: None, methods: std::collections::VecDeque::new() }
    }

    /// Records that a request with `method` was sent; responses are matched in order.
    pub fn expect(&mut self, method: &str) {
        self.methods.push_back(method.into());
    }

    /// The framing of the current (or last) response.
    pub fn info(&self) -> Option<&MessageInfo> {
        self.info.as_ref()
    }

    /// Whether the connection may carry another response.
    pub fn is_closed(&self) -> bool {
        matches!(self.body.state, State::Closed | State::Failed(_))
    }

    /// The next event, or `Ok(None)` when more bytes are needed.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<ResponseEvent>, ParseError> {
        loop {
            match &self.body.state {
                State::Failed(e) => return Err(*e),
                State::Closed | State::Upgraded => return Ok(None),
                State::Ended => {
                    if self.body.after_end(self.info) {
                        return Ok(Some(ResponseEvent::Upgrade));
                    }
                }
                State::Head => {
                    if buf.is_empty() {
                        return Ok(None);
                    }
                    let head = match head::parse_response_from(buf, &self.body.limits) {
                        Ok(Some(h)) => h,
                        Ok(None) => return Ok(None),
                        Err(e) => return Err(self.body.fail(e)),
                    };
                    let status = head.status();
                    if (100..200).contains(&status) && status != 101 {
                        return Ok(Some(ResponseEvent::Informational(head)));
                    }
                    let method = self.methods.pop_front().unwrap_or_else(|| "GET".into());
                    let kind = match framing::response_body(&head, &method, &self.body.limits) {
                        Ok(k) => k,
                        Err(e) => return Err(self.body.fail(e)),
                    };
                    let upgrade = status == 101 || (&*method == "CONNECT" && (200..300).contains(&status));
                    self.info = Some(MessageInfo {
                        body: kind,
                        keep_alive: kind != BodyKind::UntilClose
                            && framing::keep_alive(head.version(), head.headers()),
                        expects_continue: false,
                        upgrade,
                    });
                    self.body.offset = head.raw().len();
                    self.body.start(kind);
                    return Ok(Some(ResponseEvent::Head(head)));
                }
                State::Body(_) => {
                    return Ok(self.body.body_event(buf)?.map(|ev| match ev {
                        BodyEvent::Data(d) => ResponseEvent::Data(d),
                        BodyEvent::Trailers(t) => ResponseEvent::Trailers(t),
                        BodyEvent::End => ResponseEvent::End,
                    }));
                }
            }
        }
    }

    /// The server closed the connection: ends a read-until-close body, is an error inside any
    /// other body.
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use netcore_http1::proto::{Limits, ResponseDecoder, ResponseEvent};
    /// let mut dec = ResponseDecoder::new(Limits::default());
    /// dec.expect("GET");
    /// let mut buf = BytesMut::from(&b"HTTP/1.0 200 OK\r\n\r\nall of it"[..]); // no length: until close
    /// assert!(matches!(dec.decode(&mut buf)?, Some(ResponseEvent::Head(_))));
    /// assert_eq!(dec.decode(&mut buf)?, Some(ResponseEvent::Data("all of it".into())));
    /// assert_eq!(dec.decode_eof()?, Some(ResponseEvent::End)); // the close ends the body
    /// # Ok::<(), netcore_http1::proto::ParseError>(())
    /// ```
    pub fn decode_eof(&mut self) -> Result<Option<ResponseEvent>, ParseError> {
        match &self.body.state {
            State::Failed(e) => Err(*e),
            State::Body(Body::UntilClose) => {
                self.body.state = State::Closed;
                Ok(Some(ResponseEvent::End))
            }
            State::Body(_) => Err(self.body.fail_eof()),
            _ => Ok(None),
        }
    }
}
