//! Round trips through the framing core: any sequence of messages (text or binary, compressed
//! or not, fragmented anywhere, even inside a character, with pings and pongs between the
//! fragments, then a closing handshake) sent by one session is received by a session of the
//! other role as the same events, however the byte stream is split into reads.

use bytes::{Bytes, BytesMut};
use netcore_websocket::proto::{CloseCode, Config, Error, Event, MaskRng, MessageKind, Role, Session, State};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;

#[derive(Debug, Clone)]
enum Item {
    Message {
        text: bool,
        compressed: bool,
        data: Vec<u8>,
        /// Cut points (into fragments) and a control frame to send at each cut.
        cuts: Vec<(Index, Option<Control>)>,
    },
    Control(Control),
}

#[derive(Debug, Clone)]
enum Control {
    Ping(Vec<u8>),
    Pong(Vec<u8>),
}

fn control() -> impl Strategy<Value = Control> {
    prop_oneof![
        vec(any::<u8>(), 0..=125).prop_map(Control::Ping),
        vec(any::<u8>(), 0..=125).prop_map(Control::Pong)
    ]
}

/// Payload sizes around every length encoding: 7-bit, 16-bit, 64-bit.
fn binary() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        8 => vec(any::<u8>(), 0..300),
        1 => (65_530usize..65_600).prop_map(|n| (0..n).map(|i| (i * 13 + i / 256) as u8).collect()),
    ]
}

fn item() -> impl Strategy<Value = Item> {
    let message = (
        any::<bool>(),
        any::<bool>(),
        "\\PC{0,60}",
        binary(),
        vec((any::<Index>(), proptest::option::of(control())), 0..5),
    )
        .prop_map(|(text, compressed, s, bin, cuts)| Item::Message {
            text,
            compressed,
            data: if text && !compressed { s.into_bytes() } else { bin },
            cuts,
        });
    prop_oneof![4 => message, 1 => control().prop_map(Item::Control)]
}

fn send_control(sender: &mut Session, c: &Control, out: &mut Vec<u8>, expected: &mut Vec<Event>) {
    match c {
        Control::Ping(p) => {
            sender.ping(p, out).expect("ping");
            expected.push(Event::Ping(Bytes::copy_from_slice(p)));
        }
        Control::Pong(p) => {
            sender.pong(p, out).expect("pong");
            expected.push(Event::Pong(Bytes::copy_from_slice(p)));
        }
    }
}

/// Encodes `items` then a Close; returns the bytes and the events the peer should see.
fn encode(sender: &mut Session, items: &[Item], close: (Option<CloseCode>, &str)) -> (Vec<u8>, Vec<Event>) {
    let mut out = Vec::new();
    let mut expected = Vec::new();
    for item in items {
        match item {
            Item::Control(c) => send_control(sender, c, &mut out, &mut expected),
            Item::Message { text, compressed, data, cuts } => {
                let kind = if *text { MessageKind::Text } else { MessageKind::Binary };
                let mut points: Vec<(usize, Option<&Control>)> =
                    cuts.iter().map(|(at, c)| (at.index(data.len() + 1), c.as_ref())).collect();
                points.sort_by_key(|p| p.0);
                if points.is_empty() {
                    if *compressed {
                        sender.send_compressed(kind, data, &mut out).expect("send");
                    } else {
                        sender.send(kind, data, &mut out).expect("send");
                    }
                } else {
                    let mut start = 0;
                    for (at, c) in points {
                        let piece = &data[start..at];
                        if *compressed {
                            sender.send_fragment_compressed(kind, piece, false, &mut out).expect("send");
                        } else {
                            sender.send_fragment(kind, piece, false, &mut out).expect("send");
                        }
                        if let Some(c) = c {
                            send_control(sender, c, &mut out, &mut expected);
                        }
                        start = at;
                    }
                    let last = &data[start..];
                    if *compressed {
                        sender.send_fragment_compressed(kind, last, true, &mut out).expect("send");
                    } else {
                        sender.send_fragment(kind, last, true, &mut out).expect("send");
                    }
                }
                let data = Bytes::copy_from_slice(data);
                expected.push(Event::Message { data, text: *text, compressed: *compressed });
            }
        }
    }
    sender.close(close.0, close.1, &mut out).expect("close");
    expected.push(Event::Close { code: close.0, reason: Bytes::copy_from_slice(close.1.as_bytes()) });
    (out, expected)
}

/// Feeds `bytes` in the pieces `cuts` makes, draining events after each piece.
fn receive(receiver: &mut Session, bytes: &[u8], cuts: &[Index]) -> Result<Vec<Event>, Error> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c.index(bytes.len() + 1)).collect();
    points.push(bytes.len());
    points.sort_unstable();
    let mut input = BytesMut::new();
    let mut events = Vec::new();
    let mut start = 0;
    for end in points {
        input.extend_from_slice(&bytes[start..end]);
        start = end;
        while let Some(event) = receiver.receive(&mut input)? {
            events.push(event);
        }
    }
    Ok(events)
}

fn sessions(client_sends: bool) -> (Session, Session) {
    let mut config = Config::default();
    config.rsv1_allowed = true;
    let client = Session::new(Role::Client, config, MaskRng::new(11));
    let server = Session::new(Role::Server, config, MaskRng::new(12));
    if client_sends {
        (client, server)
    } else {
        (server, client)
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn messages_round_trip_for_any_split(
        client_sends in any::<bool>(),
        items in vec(item(), 0..8),
        close_code in prop_oneof![Just(None), (1000u16..1004).prop_map(CloseCode::new), (3000u16..5000).prop_map(CloseCode::new)],
        reason in "[a-z ]{0,20}",
        cuts in vec(any::<Index>(), 0..12),
    ) {
        let reason = if close_code.is_some() { reason } else { String::new() };
        let (mut sender, mut receiver) = sessions(client_sends);
        let (bytes, expected) = encode(&mut sender, &items, (close_code, &reason));
        prop_assert_eq!(sender.state(), State::CloseSent);

        let events = receive(&mut receiver, &bytes, &cuts).unwrap();
        prop_assert_eq!(&events, &expected);
        let whole = receive(&mut sessions(client_sends).1, &bytes, &[]).unwrap();
        prop_assert_eq!(&whole, &expected);
        prop_assert_eq!(receiver.state(), State::CloseReceived);

        // The receiver echoes the Close; the handshake completes on both sides.
        let mut echo = Vec::new();
        receiver.close(close_code, "", &mut echo).unwrap();
        prop_assert_eq!(receiver.state(), State::Closed);
        let events = receive(&mut sender, &echo, &cuts).unwrap();
        prop_assert_eq!(events, vec![Event::Close { code: close_code, reason: Bytes::new() }]);
        prop_assert_eq!(sender.state(), State::Closed);
    }
}

#[test]
fn a_large_fragmented_text_message_streams_through_the_reassembly_buffer() {
    let (mut client, mut server) = sessions(true);
    let text = "ünïcödé ".repeat(20_000);
    let mut out = Vec::new();
    for (i, piece) in text.as_bytes().chunks(4099).enumerate() {
        let last = (i + 1) * 4099 >= text.len();
        client.send_fragment(MessageKind::Text, piece, last, &mut out).expect("send");
    }
    let mut input = BytesMut::new();
    let mut got = None;
    for read in out.chunks(1500) {
        input.extend_from_slice(read);
        while let Some(event) = server.receive(&mut input).unwrap() {
            got = Some(event);
        }
        assert!(input.len() < 1500 + 14, "fragments do not accumulate in the input buffer");
    }
    assert_eq!(got, Some(Event::Message { data: text.into(), text: true, compressed: false }));
}
