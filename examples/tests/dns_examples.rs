//! The DNS examples as a user runs them: `dns_lookup` on `localhost`, `dns_resolve` against a
//! real DNS server (unbound on loopback, from `netcore-testkit`) for every record type it
//! prints, and its failures with their Node codes. (`cargo test` builds the examples first.)
#![allow(clippy::unwrap_used)]

use std::net::{SocketAddr, UdpSocket};
use std::process::{Command, Output};

use netcore_testkit::Unbound;

mod common;
use common::example;

/// Runs an example under `timeout` (no test waits forever on a stuck child).
fn run(name: &str, args: &[&str]) -> Output {
    Command::new("timeout").arg("20").arg(example(name)).args(args).output().unwrap()
}

fn stdout(out: &Output) -> String {
    assert!(out.status.success(), "failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// A failure: exit status 1, and stderr's line.
fn stderr(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(1), "stdout: {}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8(out.stderr.clone()).unwrap()
}

fn zone() -> String {
    let big: Vec<String> =
        (0..6).map(|i| format!("\"{}\"", char::from(b'a' + i).to_string().repeat(255))).collect();
    format!(
        r#"$ORIGIN example.test.
@ 300 IN SOA ns1 hostmaster 7 3600 600 86400 300
@ 300 IN NS ns1
@ 300 IN MX 10 mail
@ 300 IN CAA 0 issue "ca.example"
ns1 300 IN A 192.0.2.53
www 60 IN A 192.0.2.1
www 60 IN AAAA 2001:db8::1
alias 60 IN CNAME www
_sip._udp 300 IN SRV 10 60 5060 sip
txt 300 IN TXT "v=spf1 -all"
txt2 300 IN TXT "say \"hi\"" "two"
big 60 IN TXT {}
naptr 300 IN NAPTR 100 10 "U" "E2U+sip" "!^.*$!sip:info@example.test!" .
"#,
        big.join(" ")
    )
}

const REVERSE: &str = "$ORIGIN 2.0.192.in-addr.arpa.
@ 300 IN SOA ns1.example.test. hostmaster.example.test. 1 3600 600 86400 300
1 300 IN PTR www.example.test.
";

fn server() -> Unbound {
    Unbound::start(&[("example.test.", &zone()), ("2.0.192.in-addr.arpa.", REVERSE)])
}

#[test]
fn dns_lookup_prints_each_address_with_its_family() {
    assert_eq!(stdout(&run("dns_lookup", &["localhost", "4"])), "127.0.0.1 IPv4\n");
    let any = stdout(&run("dns_lookup", &["localhost"]));
    assert!(any.lines().any(|l| l == "127.0.0.1 IPv4"), "{any}");
    assert!(any.lines().all(|l| l.ends_with(" IPv4") || l.ends_with(" IPv6")), "{any}");
    let err = stderr(&run("dns_lookup", &["no-such-host.invalid"]));
    assert!(
        err.starts_with("error: getaddrinfo ENOTFOUND no-such-host.invalid")
            || err.starts_with("error: getaddrinfo EAI_AGAIN no-such-host.invalid"),
        "{err}"
    );
}

#[test]
fn dns_resolve_prints_answers_as_dig_short() {
    let server = server();
    let at = server.addr().to_string();
    let resolve = |rtype: &str, name: &str| stdout(&run("dns_resolve", &["--server", &at, rtype, name]));
    assert_eq!(resolve("A", "www.example.test"), "192.0.2.1\n");
    assert_eq!(resolve("aaaa", "www.example.test"), "2001:db8::1\n");
    assert_eq!(resolve("A", "alias.example.test"), "www.example.test.\n192.0.2.1\n");
    assert_eq!(resolve("CNAME", "alias.example.test"), "www.example.test.\n");
    assert_eq!(resolve("MX", "example.test"), "10 mail.example.test.\n");
    assert_eq!(resolve("NS", "example.test"), "ns1.example.test.\n");
    assert_eq!(
        resolve("SOA", "example.test"),
        "ns1.example.test. hostmaster.example.test. 7 3600 600 86400 300\n"
    );
    assert_eq!(resolve("SRV", "_sip._udp.example.test"), "10 60 5060 sip.example.test.\n");
    assert_eq!(resolve("TXT", "txt.example.test"), "\"v=spf1 -all\"\n");
    assert_eq!(resolve("TXT", "txt2.example.test"), "\"say \\\"hi\\\"\" \"two\"\n");
    assert_eq!(resolve("CAA", "example.test"), "0 issue \"ca.example\"\n");
    assert_eq!(
        resolve("NAPTR", "naptr.example.test"),
        "100 10 \"U\" \"E2U+sip\" \"!^.*$!sip:info@example.test!\" .\n"
    );
    assert_eq!(resolve("PTR", "192.0.2.1"), "www.example.test.\n");
    assert_eq!(resolve("PTR", "1.2.0.192.in-addr.arpa"), "www.example.test.\n");
    // 1,530 bytes: truncated over UDP, whole over TCP.
    let big: Vec<String> =
        (0..6).map(|i| format!("\"{}\"", char::from(b'a' + i).to_string().repeat(255))).collect();
    assert_eq!(resolve("TXT", "big.example.test"), format!("{}\n", big.join(" ")));
}

#[test]
fn dns_resolve_fails_with_node_codes() {
    let server = server();
    let at = server.addr().to_string();
    let fail = |rtype: &str, name: &str| stderr(&run("dns_resolve", &["--server", &at, rtype, name]));
    assert_eq!(fail("A", "nope.example.test"), "error: queryA ENOTFOUND nope.example.test\n");
    assert_eq!(fail("MX", "www.example.test"), "error: queryMx ENODATA www.example.test\n");
    assert_eq!(fail("A", "a..example.test"), "error: queryA EBADNAME a..example.test\n");

    let dead: SocketAddr = UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let err = stderr(&run("dns_resolve", &["--server", &dead.to_string(), "A", "www.example.test"]));
    assert_eq!(err, "error: queryA ECONNREFUSED www.example.test\n");

    let usage = run("dns_resolve", &["A"]);
    assert!(!usage.status.success());
    assert!(String::from_utf8_lossy(&usage.stderr).contains("usage: dns_resolve"));
}
