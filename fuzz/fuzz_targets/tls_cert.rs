//! The certificate reader behind `getPeerCertificate()` never panics on any bytes, and what it
//! reads is self-consistent: a SHA-256 fingerprint of 32 colon-separated bytes, names that print,
//! and a validity window that contains its own ends when it is not inverted.
#![no_main]
use libfuzzer_sys::fuzz_target;
use netcore_tls::PeerCertificate;

fuzz_target!(|data: &[u8]| {
    match PeerCertificate::parse(data) {
        Ok(cert) => {
            assert_eq!(cert.der, data);
            assert_eq!(cert.fingerprint256.len(), 32 * 3 - 1);
            let _ = (cert.subject.to_string(), cert.issuer.to_string());
            if cert.valid_from <= cert.valid_to {
                assert!(cert.is_valid_at(cert.valid_from) && cert.is_valid_at(cert.valid_to));
            }
        }
        Err(e) => assert!(e.offset() <= data.len()),
    }
});
