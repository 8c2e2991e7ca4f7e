//! A small, seedable source of randomness for masking keys and handshake keys (the core takes
//! no global RNG: the caller seeds it, so tests are reproducible).
//!
//! RFC 6455 §10.3 asks that masking keys be unpredictable to the application sending data: the
//! generator is seeded from the OS's per-process random state by [`MaskRng::from_entropy`] and
//! its output is not exposed to the page-level sender. It is not a cryptographic generator.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

/// wyrand: 64-bit state, one multiply per output; passes BigCrush, plenty for masks.
#[derive(Debug, Clone)]
pub struct MaskRng {
    state: u64,
}

impl MaskRng {
    /// A generator with a fixed seed (tests, benches).
    ///
    /// ```
    /// use netcore_websocket::proto::rng::MaskRng;
    /// let (mut a, mut b) = (MaskRng::new(7), MaskRng::new(7));
    /// assert_eq!(a.next_u64(), b.next_u64());
    /// ```
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// A generator seeded from the standard library's per-process random keys (from the OS).
    pub fn from_entropy() -> Self {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(0x6a09_e667_f3bc_c909);
        Self::new(h.finish())
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0xa076_1d64_78bd_642f);
        let t = u128::from(self.state) * u128::from(self.state ^ 0xe703_7ed1_a0b4_28db);
        ((t >> 64) as u64) ^ (t as u64)
    }

    /// A fresh 4-byte masking key (RFC 6455 §5.3).
    pub fn mask(&mut self) -> [u8; 4] {
        (self.next_u64() as u32).to_ne_bytes()
    }

    /// Fills `out` with random bytes (the 16 bytes of a `Sec-WebSocket-Key`).
    pub fn fill(&mut self, out: &mut [u8]) {
        for chunk in out.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_streams_repeat_and_entropy_streams_differ() {
        let (mut a, mut b) = (MaskRng::new(1), MaskRng::new(1));
        let xs: Vec<u64> = (0..8).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..8).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(MaskRng::from_entropy().next_u64(), MaskRng::from_entropy().next_u64());
        let mut key = [0u8; 16];
        a.fill(&mut key);
        assert_ne!(key, [0; 16]);
    }
}
