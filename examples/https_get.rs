//! `http_get` over TLS: the seed's `https.get(url, { ca }, res => res.pipe(process.stdout))`.
//!
//! `cargo run --release --example https_get URL [--cacert FILE] [-i]`, e.g.
//! `cargo run --release --example https_get https://localhost:3443/ --cacert cert.pem -i`
//! against the `https_hello` example.
//!
//! The server's certificate is verified against the CAs in `--cacert` (a PEM file, as curl's),
//! or else the bundled Mozilla roots, and must name the URL's host. The output is `http_get`'s:
//! the body byte for byte as it arrives, with `-i` the response head first (as `curl -i`). A
//! failure prints the error with its Node code on stderr and exits 1, e.g.
//! `error: unable to get local issuer certificate (UNABLE_TO_GET_ISSUER_CERT_LOCALLY)` for a
//! certificate no trusted CA signed, or `ERR_TLS_CERT_ALTNAME_INVALID` for one of another host;
//! an `http://` URL is refused with `ERR_INVALID_PROTOCOL`, as by Node's `https.get`.
use std::cell::Cell;
use std::rc::Rc;

use netcore::EventLoop;
use netcore_examples::PrintResponse;

const USAGE: &str = "usage: https_get URL [--cacert FILE] [-i]";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (mut url, mut cacert, mut include_head) = (None, None, false);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-i" | "--include" => include_head = true,
            "--cacert" => cacert = Some(args.next().ok_or(USAGE)?),
            _ if url.is_none() => url = Some(arg),
            _ => return Err(USAGE.into()),
        }
    }
    let url = url.ok_or(USAGE)?;
    let config = netcore_examples::tls_client_config(cacert.as_deref())?;
    let mut lp = EventLoop::new()?;
    let failed = Rc::new(Cell::new(false));
    let printer = PrintResponse::new(include_head, failed.clone());
    // The loop's https agent for this configuration: keep-alive, as Node's `https.globalAgent`.
    if let Err(e) = netcore_tls::https::get_with(&mut lp, url.as_str(), &config, printer) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
    lp.run()?;
    if failed.get() {
        std::process::exit(1);
    }
    Ok(())
}
