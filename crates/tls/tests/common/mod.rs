//! Shared by the tls tests: a throwaway PKI made with rcgen, and loop helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use netcore_tls::{ClientConfig, ClientOptions, Identity, ServerConfig, ServerOptions};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls_pki_types::CertificateDer;

/// One certificate and its key, as PEM.
pub struct Leaf {
    pub cert_pem: String,
    pub key_pem: String,
    pub der: CertificateDer<'static>,
}

impl Leaf {
    pub fn identity(&self) -> Identity {
        Identity::from_pem(self.cert_pem.as_bytes(), self.key_pem.as_bytes()).expect("identity")
    }
}

/// A CA and the certificates the tests need, all signed by it but `self_signed`.
pub struct Pki {
    pub ca: Leaf,
    /// `localhost` and `127.0.0.1`, CN "netcore test server".
    pub server: Leaf,
    /// `a.test`, for SNI.
    pub a: Leaf,
    /// `b.test`, for SNI.
    pub b: Leaf,
    /// `c.test`, for the SNI callback.
    pub c: Leaf,
    /// Valid for localhost but expired in 2021.
    pub expired: Leaf,
    /// Valid only for `other.invalid`.
    pub wrong_host: Leaf,
    /// A client certificate, CN "netcore test client".
    pub client: Leaf,
    /// A server certificate for localhost signed by nobody we trust.
    pub self_signed: Leaf,
}

fn leaf(
    names: &[&str],
    cn: &str,
    issuer: &Issuer<'_, KeyPair>,
    edit: impl FnOnce(&mut CertificateParams),
) -> Leaf {
    let key = KeyPair::generate().expect("key");
    let mut params =
        CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).expect("params");
    params.distinguished_name.push(DnType::CommonName, cn);
    params.distinguished_name.push(DnType::OrganizationName, "netcore");
    params.use_authority_key_identifier_extension = true;
    edit(&mut params);
    let cert = params.signed_by(&key, issuer).expect("sign");
    Leaf { cert_pem: cert.pem(), key_pem: key.serialize_pem(), der: cert.der().clone() }
}

impl Pki {
    pub fn new() -> Pki {
        let ca_key = KeyPair::generate().expect("key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(DnType::CommonName, "netcore test CA");
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca_params.self_signed(&ca_key).expect("ca");
        let ca =
            Leaf { cert_pem: ca_cert.pem(), key_pem: ca_key.serialize_pem(), der: ca_cert.der().clone() };
        let issuer = Issuer::new(ca_params, ca_key);
        let server_auth =
            |p: &mut CertificateParams| p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server = leaf(&["localhost", "127.0.0.1"], "netcore test server", &issuer, server_auth);
        let a = leaf(&["a.test"], "a.test", &issuer, server_auth);
        let b = leaf(&["b.test"], "b.test", &issuer, server_auth);
        let c = leaf(&["c.test"], "c.test", &issuer, server_auth);
        let expired = leaf(&["localhost", "127.0.0.1"], "expired", &issuer, |p| {
            p.not_before = rcgen::date_time_ymd(2020, 1, 1);
            p.not_after = rcgen::date_time_ymd(2021, 1, 1);
        });
        let wrong_host = leaf(&["other.invalid"], "other.invalid", &issuer, server_auth);
        let client = leaf(&[], "netcore test client", &issuer, |p| {
            p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth]
        });
        let self_key = KeyPair::generate().expect("key");
        let mut self_params = CertificateParams::new(vec!["localhost".to_string()]).expect("params");
        self_params.distinguished_name.push(DnType::CommonName, "self-signed");
        let self_cert = self_params.self_signed(&self_key).expect("self");
        let self_signed = Leaf {
            cert_pem: self_cert.pem(),
            key_pem: self_key.serialize_pem(),
            der: self_cert.der().clone(),
        };
        Pki { ca, server, a, b, c, expired, wrong_host, client, self_signed }
    }

    /// Server options presenting the localhost certificate.
    pub fn server_options(&self) -> ServerOptions {
        ServerOptions::new(self.server.identity())
    }

    pub fn server_config(&self) -> ServerConfig {
        self.server_options().build().expect("server config")
    }

    /// Client options trusting only the test CA.
    pub fn client_options(&self) -> ClientOptions {
        let mut o = ClientOptions::default();
        o.ca = Some(vec![self.ca.der.clone()]);
        o
    }

    pub fn client_config(&self) -> ClientConfig {
        self.client_options().build().expect("client config")
    }

    /// Writes every PEM into `dir` (for openssl, curl and Node): `ca.pem`, `server.pem`,
    /// `server.key`, `client.pem`, `client.key`.
    pub fn write_to(&self, dir: &Path) -> PathBuf {
        std::fs::create_dir_all(dir).expect("dir");
        for (name, content) in [
            ("ca.pem", &self.ca.cert_pem),
            ("server.pem", &self.server.cert_pem),
            ("server.key", &self.server.key_pem),
            ("client.pem", &self.client.cert_pem),
            ("client.key", &self.client.key_pem),
        ] {
            std::fs::write(dir.join(name), content).expect("write pem");
        }
        dir.to_path_buf()
    }
}
