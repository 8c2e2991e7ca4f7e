//! A small, fast, seedable generator for protocol randomness that must be unpredictable to an
//! off-path peer but need not be cryptographic: WebSocket masking keys (RFC 6455 §10.3), DNS
//! query IDs (RFC 5452 §9.2). Sans-IO cores take one as input, so tests seed it and repeat.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

/// wyrand: 64-bit state, one multiply per output; passes BigCrush.
///
/// ```
/// let (mut a, mut b) = (netcore::rng::Rng::new(1), netcore::rng::Rng::new(1));
/// assert_eq!(a.next_u64(), b.next_u64());
/// let mut key = [0u8; 16];
/// netcore::rng::Rng::from_entropy().fill(&mut key);
/// ```
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator with a fixed seed (tests, reproducible runs).
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// A generator seeded from the OS, through std's per-process random hash keys.
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

    /// Fills `out` with random bytes.
    pub fn fill(&mut self, out: &mut [u8]) {
        for chunk in out.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn seeded_streams_repeat_and_entropy_streams_differ() {
        let (mut a, mut b) = (Rng::new(1), Rng::new(1));
        let xs: Vec<u64> = (0..8).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..8).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(Rng::from_entropy().next_u64(), Rng::from_entropy().next_u64());
        let mut key = [0u8; 16];
        a.fill(&mut key);
        assert_ne!(key, [0; 16]);
    }
}
