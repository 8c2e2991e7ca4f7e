//! A line-based chat room: greets each client and relays every line to all the others.
//! The Node seed keeps a `clients` array and calls `client.write` on each; here the server
//! already knows its connections, so a line is one `broadcast`.
//!
//! `cargo run --release --example tcp_chat [PORT]` (default 8080), then `nc 127.0.0.1 8080`.
use netcore::framing::LineSplitter;
use netcore::EventLoop;
use netcore_tcp::{listen, ServerId, Socket, SocketHandler, SocketId};

struct Member {
    name: String,
    room: ServerId,
    lines: LineSplitter,
}

impl SocketHandler for Member {
    fn on_data(&mut self, s: &mut Socket<'_>, data: &[u8]) {
        let mut out = Vec::new();
        let name = &self.name;
        let parsed = self.lines.push(data, |line| {
            out.extend_from_slice(format!("{name}> ").as_bytes());
            out.extend_from_slice(line);
            out.push(b'\n');
        });
        let me = s.id();
        self.room.broadcast(s.lp(), &out, Some(me));
        if let Err(e) = parsed {
            s.end_with(format!("{e}\n").as_bytes());
        }
    }
    fn on_close(&mut self, lp: &mut EventLoop, _: SocketId, _: bool) {
        self.room.broadcast(lp, format!("{} left the chat\n", self.name).as_bytes(), None);
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut lp = EventLoop::new()?;
    let addr = format!("127.0.0.1:{}", netcore_examples::port_arg(8080));
    let server = listen(&mut lp, &addr, |s: &mut Socket<'_>| {
        let name = s.remote_address().map_or_else(|| "anonymous".into(), |a| a.to_string());
        let room = s.server().expect("accepted sockets belong to a server");
        s.write(format!("Welcome {name}\n").as_bytes());
        let me = s.id();
        room.broadcast(s.lp(), format!("{name} joined the chat\n").as_bytes(), Some(me));
        Member { name, room, lines: LineSplitter::default() }
    })?;
    println!("listening on {}", server.address(&lp).ok_or("no address")?);
    lp.run()?;
    Ok(())
}
