//! Compression memory, bounded per loop (the pain point of Node `ws`: every compressed
//! connection keeps its own zlib windows).
//!
//! A direction with context takeover keeps its LZ77 window between messages, so its state
//! (a compressor is about 312 KiB, an inflater 42 KiB, see [`deflate`](crate::proto::deflate))
//! stays with its connection. The server lets at most
//! [`ServerOptions::max_deflate_contexts`](crate::server::ServerOptions::max_deflate_contexts)
//! connections per loop negotiate that; the ones beyond it are answered with
//! `server_no_context_takeover` and `client_no_context_takeover` (RFC 7692 §7.1.1). Without
//! context takeover a state is only needed while one message is compressed or inflated, which
//! on one loop is one message at a time: it is borrowed from this pool for the message and given
//! back after, so any number of such connections share a few states.

use netcore::EventLoop;

use crate::proto::deflate::{CompressorState, InflaterState};

/// States kept for reuse; more than this are freed when given back.
const KEEP: usize = 2;

/// The loop's shared compression states and its count of connections that keep their own.
#[derive(Default)]
pub(crate) struct DeflatePool {
    compressors: Vec<CompressorState>,
    inflaters: Vec<InflaterState>,
    /// Connections on this loop that negotiated context takeover in some direction.
    pub(crate) takeover: usize,
}

impl DeflatePool {
    pub(crate) fn of(lp: &mut EventLoop) -> &mut DeflatePool {
        lp.state_or_default::<DeflatePool>()
    }

    pub(crate) fn take_compressor(&mut self) -> Option<CompressorState> {
        self.compressors.pop()
    }

    pub(crate) fn take_inflater(&mut self) -> Option<InflaterState> {
        self.inflaters.pop()
    }

    pub(crate) fn give_compressor(&mut self, state: CompressorState) {
        if self.compressors.len() < KEEP {
            self.compressors.push(state);
        }
    }

    pub(crate) fn give_inflater(&mut self, state: InflaterState) {
        if self.inflaters.len() < KEEP {
            self.inflaters.push(state);
        }
    }
}
