//! hyper's HTTP/1.1 hello world over tokio-rustls (ring) on a tokio current-thread runtime: the
//! peer our `https_hello` example is measured against in benches/compare-https.sh. Every request
//! gets what the seed (`res.writeHead(200); res.end('hello world\n')`) sends: status 200 and the
//! body `hello world\n`, no Content-Type; connections stay alive (hyper's default for HTTP/1.1)
//! unless the client asks to close.
//!
//!   https_hyper --cert FILE --key FILE [PORT]    PORT defaults to 8443; 0 picks a free port.
//!
//! The options may come in any order around PORT. FILE is PEM: the certificate chain, leaf
//! first, and its private key (PKCS#8, SEC1 or PKCS#1). TLS is rustls's defaults (TLS 1.2 and
//! 1.3, its cipher suites, a 256-entry server session cache), as a plain `ServerConfig::builder`
//! gives them. Binds 127.0.0.1 and prints `listening on 127.0.0.1:PORT` (the real port) once
//! listening.

use std::convert::Infallible;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

const BODY: &[u8] = b"hello world\n";

async fn hello(_req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(BODY))))
}

struct Args {
    port: u16,
    cert: String,
    key: String,
}

fn args() -> Result<Args, String> {
    let (mut port, mut cert, mut key) = (None, None, None);
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--cert" => cert = Some(it.next().ok_or("--cert needs a file")?),
            "--key" => key = Some(it.next().ok_or("--key needs a file")?),
            _ if port.is_none() => {
                port = Some(arg.parse().map_err(|_| format!("bad port {arg:?}"))?);
            }
            _ => return Err(format!("unexpected argument {arg:?}")),
        }
    }
    Ok(Args {
        port: port.unwrap_or(8443),
        cert: cert.ok_or("--cert FILE is required")?,
        key: key.ok_or("--key FILE is required")?,
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = args().map_err(|e| format!("https_hyper: {e}"))?;
    let chain = CertificateDer::pem_file_iter(&args.cert)
        .map_err(|e| format!("https_hyper: {}: {e}", args.cert))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("https_hyper: {}: {e}", args.cert))?;
    let key =
        PrivateKeyDer::from_pem_file(&args.key).map_err(|e| format!("https_hyper: {}: {e}", args.key))?;
    let config =
        rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(chain, key)?;
    let acceptor = TlsAcceptor::from(Arc::new(config));

    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], args.port))).await?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening on {}", listener.local_addr()?)?;
    stdout.flush()?;

    loop {
        // Accept errors (EMFILE, a reset before accept) are per connection: keep serving the
        // others.
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let acceptor = acceptor.clone();
        tokio::task::spawn(async move {
            // A failed handshake or a client that goes away is its own problem, not the
            // server's.
            let Ok(tls) = acceptor.accept(stream).await else {
                return;
            };
            let _ = http1::Builder::new().serve_connection(TokioIo::new(tls), service_fn(hello)).await;
        });
    }
}
