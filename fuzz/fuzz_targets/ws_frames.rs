//! The WebSocket framing core never panics, for a server and a client session alike, and gives
//! the same events, the same error and the same final state whether the bytes arrive whole,
//! split at a point the fuzzer picks, or one byte at a time. Along the way: a failed session
//! stays failed; the input buffer never holds more than one frame in progress; text is UTF-8
//! unless compressed; compressed messages only when RSV1 is allowed; nothing but bounded
//! payloads come out and nothing after a Close. Every event received re-encodes (through a
//! session of the other role) to bytes that decode to the same events.
//!
//! Input: one byte of flags (bit 0: RSV1 allowed, bit 1: small limits: 64-byte frames,
//! 256-byte messages, 4 fragments), a little-endian `u16` split point, then the bytes.
#![no_main]
use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use netcore_websocket::proto::frame::{MAX_CONTROL_PAYLOAD, MAX_HEADER_LEN};
use netcore_websocket::proto::{Config, Error, Event, MaskRng, MessageKind, Role, Session, State};

fn config(flags: u8) -> Config {
    let mut config = Config::default();
    config.rsv1_allowed = flags & 1 != 0;
    if flags & 2 != 0 {
        config.max_frame_size = 64;
        config.max_message_size = 256;
        config.max_fragments = 4;
    }
    config
}

#[derive(Debug, PartialEq)]
struct Outcome {
    events: Vec<Event>,
    error: Option<Error>,
    state: State,
}

fn run(role: Role, config: Config, parts: &[&[u8]]) -> Outcome {
    let mut session = Session::new(role, config, MaskRng::new(1));
    let mut input = BytesMut::new();
    let mut events = Vec::new();
    let mut error = None;
    'parts: for part in parts {
        input.extend_from_slice(part);
        loop {
            match session.receive(&mut input) {
                Ok(Some(event)) => {
                    check(&config, &events, &event);
                    events.push(event);
                }
                Ok(None) => {
                    // At most one frame in progress: a partial header, or an unfragmented
                    // frame's payload (fragments stream out of the input).
                    assert!(
                        input.len() < MAX_HEADER_LEN.max(config.max_frame_size),
                        "{} buffered",
                        input.len()
                    );
                    break;
                }
                Err(e) => {
                    assert!(!e.is_local(), "a receive error is the peer's: {e:?}");
                    assert_eq!(session.receive(&mut input), Err(e), "a failed session stays failed");
                    assert_eq!(session.state(), State::Failed);
                    error = Some(e);
                    break 'parts;
                }
            }
        }
    }
    Outcome { events, error, state: session.state() }
}

fn check(config: &Config, before: &[Event], event: &Event) {
    assert!(!matches!(before.last(), Some(Event::Close { .. })), "an event after the Close");
    match event {
        Event::Message { data, text, compressed } => {
            assert!(data.len() <= config.max_message_size);
            assert!(!compressed || config.rsv1_allowed, "compressed without RSV1 allowed");
            if *text && !compressed {
                assert!(std::str::from_utf8(data).is_ok(), "text that is not UTF-8");
            }
        }
        Event::Ping(p) | Event::Pong(p) => assert!(p.len() <= MAX_CONTROL_PAYLOAD),
        Event::Close { code, reason } => {
            assert!(std::str::from_utf8(reason).is_ok());
            assert!(reason.len() <= MAX_CONTROL_PAYLOAD - 2);
            assert!(code.is_some() || reason.is_empty());
        }
    }
}

/// Sends `events` from a session of the other role, as a peer would have; the bytes must decode
/// to the same events.
fn reencode(role: Role, config: Config, events: &[Event]) {
    let peer = if role == Role::Server { Role::Client } else { Role::Server };
    let mut sender = Session::new(peer, config, MaskRng::new(2));
    let mut out = Vec::new();
    for event in events {
        match event {
            Event::Message { data, text, compressed } => {
                let kind = if *text { MessageKind::Text } else { MessageKind::Binary };
                let chunks: Vec<&[u8]> = data.chunks(config.max_frame_size.max(1)).collect();
                if chunks.len() <= 1 {
                    if *compressed {
                        sender.send_compressed(kind, data, &mut out).expect("send compressed");
                    } else {
                        sender.send(kind, data, &mut out).expect("send");
                    }
                } else {
                    for (i, chunk) in chunks.iter().enumerate() {
                        let last = i + 1 == chunks.len();
                        if *compressed {
                            sender.send_fragment_compressed(kind, chunk, last, &mut out).expect("fragment");
                        } else {
                            sender.send_fragment(kind, chunk, last, &mut out).expect("fragment");
                        }
                    }
                }
            }
            Event::Ping(p) => sender.ping(p, &mut out).expect("ping"),
            Event::Pong(p) => sender.pong(p, &mut out).expect("pong"),
            Event::Close { code, reason } => {
                let reason = std::str::from_utf8(reason).expect("checked");
                sender.close(*code, reason, &mut out).expect("close");
            }
        }
    }
    let again = run(role, config, &[&out]);
    assert_eq!(again.error, None, "re-encoded events fail to decode");
    assert_eq!(again.events, events, "re-encoded events decode differently");
}

fuzz_target!(|input: (u8, u16, &[u8])| {
    let (flags, split, data) = input;
    let config = config(flags);
    let at = usize::from(split) % (data.len() + 1);
    for role in [Role::Server, Role::Client] {
        let whole = run(role, config, &[data]);
        let split = run(role, config, &[&data[..at], &data[at..]]);
        assert_eq!(whole, split, "{role:?}: split at {at}");
        let bytewise: Vec<&[u8]> = data.chunks(1).collect();
        assert_eq!(whole, run(role, config, &bytewise), "{role:?}: one byte at a time");
        reencode(role, config, &whole.events);
    }
});
