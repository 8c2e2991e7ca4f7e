//! The DNS message decoder never panics on any bytes, its errors point inside the input, and what
//! it decodes is stable: encoding it and decoding again gives the same message (unless the
//! re-encoding outgrows 65 535 bytes, which an input compressing names this encoder does not —
//! SRV targets, say — can make it do).
#![no_main]
use libfuzzer_sys::fuzz_target;
use netcore_dns::proto::{Error, Message};

fuzz_target!(|data: &[u8]| {
    match Message::decode(data) {
        Ok(first) => match first.encode_to_vec() {
            Ok(bytes) => assert_eq!(Message::decode(&bytes).as_ref(), Ok(&first)),
            Err(e) => assert!(matches!(e, Error::MessageTooLong { .. }), "{e}"),
        },
        Err(e) => assert!(e.offset().map_or(true, |at| at <= data.len()), "{e}"),
    }
});
