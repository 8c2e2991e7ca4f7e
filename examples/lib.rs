//! Small helpers shared by the examples: argument parsing kept out of the examples' way.
#![deny(missing_docs)]

/// The port from the first command-line argument, or `default`. Exits with a message on junk.
pub fn port_arg(default: u16) -> u16 {
    port_at(1, default)
}

/// The port from argument `index` (1-based), or `default`.
pub fn port_at(index: usize, default: u16) -> u16 {
    match std::env::args().nth(index) {
        None => default,
        Some(p) => p.parse().unwrap_or_else(|_| {
            eprintln!("invalid port {p:?}");
            std::process::exit(2)
        }),
    }
}

/// An error's message followed by its Node-style name, `message (NAME)`, once: messages that
/// already end with their name (socket errors do) are left as they are.
///
/// ```
/// assert_eq!(netcore_examples::with_code("refused (ECONNREFUSED)", "ECONNREFUSED"), "refused (ECONNREFUSED)");
/// assert_eq!(netcore_examples::with_code("timed out", "WS_ERR_HANDSHAKE_TIMEOUT"), "timed out (WS_ERR_HANDSHAKE_TIMEOUT)");
/// ```
pub fn with_code(message: impl std::fmt::Display, code: &str) -> String {
    let text = message.to_string();
    if text.ends_with(&format!("({code})")) {
        text
    } else {
        format!("{text} ({code})")
    }
}

/// Prints one HTTP response to stdout as it arrives (the `http_get` and `https_get` examples):
/// the body byte for byte, and with `include_head`, as `curl -i`, each interim response's head
/// and the final one's first (status line and fields as received, CRLF line ends). `failed`
/// tells the caller whether the request failed (the error is printed on stderr with its Node
/// code) or stdout went away.
pub struct PrintResponse {
    include_head: bool,
    failed: std::rc::Rc<std::cell::Cell<bool>>,
}

impl PrintResponse {
    /// A printer; `failed` is set if the request fails.
    pub fn new(include_head: bool, failed: std::rc::Rc<std::cell::Cell<bool>>) -> PrintResponse {
        PrintResponse { include_head, failed }
    }

    /// Writes to stdout now (the loop waits: that is the backpressure). A reader that went away
    /// (`http_get URL | head -c 10`) ends the request quietly; any other write error is reported.
    fn out(&self, req: &mut netcore_http1::client::ClientRequest<'_>, bytes: &[u8]) {
        use std::io::Write;
        let mut stdout = std::io::stdout().lock();
        if let Err(e) = stdout.write_all(bytes).and_then(|()| stdout.flush()) {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                eprintln!("error: stdout: {e}");
            }
            self.failed.set(true);
            req.destroy();
        }
    }

    /// `HTTP/1.1 200 OK` and the header fields, each line ending CRLF, then the empty line.
    fn head(
        &self,
        req: &mut netcore_http1::client::ClientRequest<'_>,
        res: &netcore_http1::proto::ResponseHead,
    ) {
        let mut head =
            format!("HTTP/{} {} {}\r\n", res.version().as_str(), res.status(), res.reason()).into_bytes();
        for (name, value) in res.headers().iter() {
            head.extend_from_slice(name.as_bytes());
            head.extend_from_slice(b": ");
            head.extend_from_slice(value);
            head.extend_from_slice(b"\r\n");
        }
        head.extend_from_slice(b"\r\n");
        self.out(req, &head);
    }
}

impl netcore_http1::client::ResponseHandler for PrintResponse {
    fn on_information(
        &mut self,
        req: &mut netcore_http1::client::ClientRequest<'_>,
        info: &netcore_http1::proto::ResponseHead,
    ) {
        if self.include_head {
            self.head(req, info);
        }
    }

    fn on_response(
        &mut self,
        req: &mut netcore_http1::client::ClientRequest<'_>,
        res: &netcore_http1::proto::ResponseHead,
    ) {
        if self.include_head {
            self.head(req, res);
        }
    }

    fn on_data(&mut self, req: &mut netcore_http1::client::ClientRequest<'_>, data: bytes::Bytes) {
        self.out(req, &data);
    }

    fn on_error(
        &mut self,
        _req: &mut netcore_http1::client::ClientRequest<'_>,
        error: &netcore_http1::client::Error,
    ) {
        // `Display` gives the message and Node's code: "connection to … refused (ECONNREFUSED)".
        eprintln!("error: {error}");
        self.failed.set(true);
    }
}

/// The arguments of the TLS server examples, `[PORT] [--cert FILE --key FILE]`: the port
/// (`default_port` if none) and the server's certificate and key. Without `--cert` and
/// `--key`, a self-signed certificate for `localhost` and `127.0.0.1` is made now, and its
/// SHA-256 fingerprint (Node's `fingerprint256`) printed on stderr, as
/// `self-signed certificate for localhost, 127.0.0.1: SHA-256 AB:CD:…`, so that a client can
/// check what it is shown. Exits with `usage` on junk.
pub fn tls_server_args(usage: &str, default_port: u16) -> (u16, netcore_tls::Identity) {
    let fail = |message: String| -> ! {
        eprintln!("{message}\nusage: {usage}");
        std::process::exit(2)
    };
    let (mut port, mut cert, mut key) = (None, None, None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--cert" => cert = Some(args.next().unwrap_or_else(|| fail("--cert needs a file".into()))),
            "--key" => key = Some(args.next().unwrap_or_else(|| fail("--key needs a file".into()))),
            _ if port.is_none() => {
                port = Some(arg.parse::<u16>().unwrap_or_else(|_| fail(format!("invalid port {arg:?}"))))
            }
            _ => fail(format!("unexpected argument {arg:?}")),
        }
    }
    let port = port.unwrap_or(default_port);
    let identity = match (cert, key) {
        (Some(cert), Some(key)) => netcore_tls::Identity::from_pem_files(&cert, &key)
            .unwrap_or_else(|e| fail(format!("cannot use {cert} and {key}: {e}"))),
        (None, None) => self_signed().unwrap_or_else(|e| fail(format!("cannot make a certificate: {e}"))),
        _ => fail("--cert and --key go together".into()),
    };
    (port, identity)
}

/// A self-signed certificate for `localhost` and `127.0.0.1`; its fingerprint goes to stderr.
fn self_signed() -> Result<netcore_tls::Identity, Box<dyn std::error::Error>> {
    let (identity, fingerprint) = self_signed_identity()?;
    eprintln!("self-signed certificate for localhost, 127.0.0.1: SHA-256 {fingerprint}");
    Ok(identity)
}

/// A new self-signed certificate and key for `localhost` and `127.0.0.1`, with the
/// certificate's SHA-256 fingerprint (Node's `fingerprint256`, `AB:CD:…`).
///
/// ```
/// let (_identity, fingerprint) = netcore_examples::self_signed_identity()?;
/// assert_eq!(fingerprint.len(), 32 * 3 - 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn self_signed_identity() -> Result<(netcore_tls::Identity, String), Box<dyn std::error::Error>> {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()])?;
    let fingerprint = netcore_tls::PeerCertificate::parse(made.cert.der())?.fingerprint256;
    let key = made.signing_key.serialize_pem();
    Ok((netcore_tls::Identity::from_pem(made.cert.pem().as_bytes(), key.as_bytes())?, fingerprint))
}

/// The client configuration of the TLS client examples: the CAs in `cacert` (a PEM file, as
/// curl's `--cacert`), or the bundled Mozilla roots.
pub fn tls_client_config(
    cacert: Option<&str>,
) -> Result<netcore_tls::ClientConfig, Box<dyn std::error::Error>> {
    let options = match cacert {
        Some(file) => netcore_tls::ClientOptions::with_ca_pem(
            &std::fs::read(file).map_err(|e| format!("cannot read {file}: {e}"))?,
        )?,
        None => netcore_tls::ClientOptions::default(),
    };
    Ok(options.build()?)
}

/// `s` as a JSON string literal (RFC 8259 §7): quotes and backslashes escaped, control
/// characters as `\u00XX`.
///
/// ```
/// assert_eq!(netcore_examples::json_string("a\"b\\c\n"), r#""a\"b\\c\u000a""#);
/// ```
pub fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
