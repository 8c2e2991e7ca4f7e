//! Answers every request with a JSON document of what the parser saw: `method`, `url`,
//! `version`, `headers` as `[name, value]` pairs in received order and case, `body_base64` (the
//! decoded body) and `trailers` (pairs, like `headers`). How anyone checks what the parser saw.
//!
//! `cargo run --release --example http_echo [PORT]` (default 3000), then
//! `curl -s localhost:3000/path -d hello`.
use base64::Engine;
use bytes::Bytes;
use netcore_examples::json_string;
use netcore_http1::proto::Headers;
use netcore_http1::server::{listen, Handler, Request, Response};

/// The largest body echoed; beyond it the answer is 413.
const MAX_BODY: usize = 16 * 1024 * 1024;

#[derive(Clone, Default)]
struct Echo {
    body: Vec<u8>,
    trailers: Vec<(String, String)>,
    too_large: bool,
}

impl Handler for Echo {
    fn on_request(&mut self, _req: &Request<'_>, _res: &mut Response<'_>) {
        self.body.clear();
        self.trailers.clear();
        self.too_large = false;
    }

    fn on_data(&mut self, _req: &Request<'_>, data: Bytes, _res: &mut Response<'_>) {
        self.too_large |= self.body.len() + data.len() > MAX_BODY;
        if !self.too_large {
            self.body.extend_from_slice(&data);
        }
    }

    fn on_trailers(&mut self, _req: &Request<'_>, trailers: &Headers, _res: &mut Response<'_>) {
        self.trailers = pairs(trailers);
    }

    fn on_end(&mut self, req: &Request<'_>, res: &mut Response<'_>) {
        if self.too_large {
            res.set_status(413);
            res.end(b"");
            return;
        }
        let json = format!(
            "{{\"method\":{},\"url\":{},\"version\":{},\"headers\":{},\"body_base64\":{},\"trailers\":{}}}\n",
            json_string(req.method()),
            json_string(req.url()),
            json_string(req.version().as_str()),
            array(&pairs(req.headers())),
            json_string(&base64::engine::general_purpose::STANDARD.encode(&self.body)),
            array(&self.trailers),
        );
        res.set_header("Content-Type", "application/json").ok();
        res.end(json.as_bytes());
    }
}

fn pairs(headers: &Headers) -> Vec<(String, String)> {
    headers.iter().map(|(n, v)| (n.to_string(), String::from_utf8_lossy(v).into_owned())).collect()
}

fn array(pairs: &[(String, String)]) -> String {
    let items: Vec<String> =
        pairs.iter().map(|(n, v)| format!("[{},{}]", json_string(n), json_string(v))).collect();
    format!("[{}]", items.join(","))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut lp = netcore::EventLoop::new()?;
    let addr = format!("127.0.0.1:{}", netcore_examples::port_arg(3000));
    let server = listen(&mut lp, &addr, Echo::default())?;
    println!("listening on {}", server.address(&lp).ok_or("no address")?);
    lp.run()?;
    Ok(())
}
