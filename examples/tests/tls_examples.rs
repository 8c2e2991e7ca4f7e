//! The TLS examples as a user runs them: `tls_echo` with `openssl s_client`, `https_hello` with
//! curl (its self-signed certificate, and given `--cert`/`--key` with `--cacert`), `https_get`
//! against `https_hello` trusting the certificate it was shown once its fingerprint matched the
//! one the server printed, and `ws_client` over `wss:`. (`cargo test` builds the examples first.)
//!
//! Every process runs under `timeout` or is killed on drop; nothing waits by sleeping.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use bytes::Bytes;
use netcore_websocket::WebSocket;

mod common;
use common::example;

/// A scratch directory of this test process.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("netcore-tls-examples-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A running example server (killed on drop) and, when it made its own certificate, the
/// fingerprint it printed.
struct Server {
    server: common::Server,
    fingerprint: Option<String>,
}

impl Server {
    /// Starts `name` with port 0 and `args`.
    fn start(name: &str, args: &[&str]) -> Server {
        let mut server =
            common::Server::spawn(Command::new(example(name)).arg("0").args(args).stderr(Stdio::piped()));
        // The certificate is made (and its fingerprint printed) before the server listens.
        let fingerprint = (!args.contains(&"--cert")).then(|| {
            let mut line = String::new();
            BufReader::new(server.0.stderr.take().unwrap()).read_line(&mut line).unwrap();
            let prefix = "self-signed certificate for localhost, 127.0.0.1: SHA-256 ";
            line.trim().strip_prefix(prefix).unwrap_or_else(|| panic!("{name} printed {line:?}")).to_string()
        });
        Server { server, fingerprint }
    }

    fn addr(&self) -> &str {
        &self.server.1
    }

    fn port(&self) -> &str {
        self.server.port()
    }
}

/// Runs `program` under `timeout 30` with stdin closed.
fn output(program: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> Output {
    Command::new("timeout").arg("30").arg(program).args(args).stdin(Stdio::null()).output().unwrap()
}

/// [`output`]'s stdout, failing on the command's failure.
fn run(program: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> String {
    let out = output(&program, args);
    assert!(
        out.status.success(),
        "{:?} {args:?}: {}",
        program.as_ref(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The certificate a TLS server at `addr` presents, as PEM, read with `openssl s_client`.
fn presented_certificate(addr: &str) -> String {
    let out = run("openssl", &["s_client", "-connect", addr, "-servername", "localhost", "-showcerts"]);
    let begin = out.find("-----BEGIN CERTIFICATE-----").unwrap_or_else(|| panic!("{out}"));
    let end = out.find("-----END CERTIFICATE-----").unwrap() + "-----END CERTIFICATE-----".len();
    format!("{}\n", &out[begin..end])
}

/// `openssl x509 -fingerprint -sha256` of a PEM file: `AB:CD:…`.
fn openssl_fingerprint(pem: &Path) -> String {
    let out = run("openssl", &["x509", "-noout", "-fingerprint", "-sha256", "-in", pem.to_str().unwrap()]);
    // "sha256 Fingerprint=AB:…" (OpenSSL 3) or "SHA256 Fingerprint=AB:…".
    out.trim().split_once('=').unwrap().1.to_string()
}

#[test]
fn tls_echo_echoes_what_openssl_s_client_sends() {
    let server = Server::start("tls_echo", &[]);
    let mut client = Command::new("timeout")
        .args(["30", "openssl", "s_client", "-brief", "-connect", server.addr()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = client.stdin.take().unwrap();
    let mut stdout = BufReader::new(client.stdout.take().unwrap());
    for line in ["hello over tls\n", "and again\n"] {
        stdin.write_all(line.as_bytes()).unwrap();
        stdin.flush().unwrap();
        let mut echo = String::new();
        stdout.read_line(&mut echo).unwrap();
        assert_eq!(echo, line);
    }
    // stdin's end: s_client sends close_notify, the echo answers with its own, both close.
    drop(stdin);
    let out = client.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // The certificate shown is the one whose fingerprint the server printed.
    let dir = scratch("tls-echo");
    let cert = dir.join("shown.pem");
    std::fs::write(&cert, presented_certificate(server.addr())).unwrap();
    assert_eq!(Some(openssl_fingerprint(&cert)), server.fingerprint);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn https_hello_answers_curl_with_its_self_signed_certificate() {
    let server = Server::start("https_hello", &[]);
    let url = format!("https://127.0.0.1:{}/", server.port());
    let out = run("curl", &["-sS", "-k", "-i", &url]);
    assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
    assert!(out.ends_with("\r\n\r\nhello world\n"), "{out}");
    // Not trusted without `-k`.
    assert!(!output("curl", &["-sS", &url]).status.success());
}

/// A CA and a server certificate for localhost and 127.0.0.1 it signed, written as `ca.pem`,
/// `cert.pem` and `key.pem` into `dir`.
fn write_ca_and_server_certificate(dir: &Path) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    // Distinct names: a leaf named as its issuer would look self-signed.
    ca_params.distinguished_name.push(DnType::CommonName, "netcore examples test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
    params.distinguished_name.push(DnType::CommonName, "localhost");
    let cert = params.signed_by(&key, &issuer).unwrap();
    std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
    std::fs::write(dir.join("cert.pem"), cert.pem()).unwrap();
    std::fs::write(dir.join("key.pem"), key.serialize_pem()).unwrap();
}

#[test]
fn https_hello_serves_the_certificate_it_is_given_to_curl_and_https_get() {
    let dir = scratch("given");
    write_ca_and_server_certificate(&dir);
    let file = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let server = Server::start("https_hello", &["--cert", &file("cert.pem"), "--key", &file("key.pem")]);
    assert_eq!(server.fingerprint, None);
    let url = format!("https://localhost:{}/", server.port());
    assert_eq!(run("curl", &["-sS", "--cacert", &file("ca.pem"), &url]), "hello world\n");
    assert_eq!(run(example("https_get"), &[&url, "--cacert", &file("ca.pem")]), "hello world\n");
    // The bundled roots do not know this CA.
    let out = output(example("https_get"), &[&url]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: ") && stderr.contains("(UNABLE_TO_GET_ISSUER_CERT_LOCALLY)"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn https_get_trusts_https_hellos_certificate_once_its_fingerprint_is_checked() {
    let server = Server::start("https_hello", &[]);
    let dir = scratch("fingerprint");
    let cert = dir.join("shown.pem");
    std::fs::write(&cert, presented_certificate(server.addr())).unwrap();
    assert_eq!(Some(openssl_fingerprint(&cert)), server.fingerprint, "not the certificate the server made");
    let cert = cert.to_str().unwrap();
    // A self-signed certificate is its own CA; it names localhost and 127.0.0.1.
    for host in ["localhost", "127.0.0.1"] {
        let url = format!("https://{host}:{}/", server.port());
        assert_eq!(run(example("https_get"), &[&url, "--cacert", cert]), "hello world\n");
    }
    let url = format!("https://localhost:{}/", server.port());
    let out = run(example("https_get"), &["-i", &url, "--cacert", cert]);
    assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
    assert!(out.ends_with("\r\n\r\nhello world\n"), "{out}");
    // Node's `https.get('http://…')`.
    let out = output(example("https_get"), &[&format!("http://localhost:{}/", server.port())]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("ERR_INVALID_PROTOCOL"), "{out:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A wss echo server on a loop of its own thread, with the certificate in `dir`; returns its
/// port and a function that stops it.
fn wss_echo(dir: &Path) -> (u16, impl FnOnce()) {
    let identity = netcore_tls::Identity::from_pem_files(dir.join("cert.pem"), dir.join("key.pem")).unwrap();
    let config = netcore_tls::ServerOptions::new(identity).build().unwrap();
    netcore_testkit::serve_on_thread(move |lp| {
        let options = netcore_websocket::server::ServerOptions::default();
        let server = netcore_tls::wss::listen(lp, "127.0.0.1:0", &config, options, |_: &_| {
            |ws: &mut WebSocket<'_>, data: Bytes, is_binary: bool| {
                ws.send(&data, is_binary);
            }
        })
        .unwrap();
        server.address(lp).unwrap().port().unwrap()
    })
}

#[test]
fn ws_client_speaks_wss_with_a_ca() {
    let dir = scratch("wss");
    write_ca_and_server_certificate(&dir);
    let (port, stop) = wss_echo(&dir);
    let url = format!("wss://localhost:{port}/");
    let ca = dir.join("ca.pem");
    common::ws_client_echoes(&url, &["--cacert", ca.to_str().unwrap()]);
    // Without the CA: the handshake fails with Node's code.
    let out = output(example("ws_client"), &[&url]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: ") && stderr.contains("(UNABLE_TO_GET_ISSUER_CERT_LOCALLY)"),
        "{stderr}"
    );
    stop();
    let _ = std::fs::remove_dir_all(&dir);
}
