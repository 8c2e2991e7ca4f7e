//! A small, seedable source of randomness for masking keys and handshake keys (the core takes
//! no global RNG: the caller seeds it, so tests are reproducible).
//!
//! RFC 6455 §10.3 asks that masking keys be unpredictable to the application sending data: the
//! generator is seeded from the OS's per-process random state by [`MaskRng::from_entropy`] and
//! its output is not exposed to the page-level sender. It is not a cryptographic generator.

/// The generator behind masking and handshake keys: [`netcore::rng::Rng`] (wyrand), with the
/// shapes the protocol wants.
///
/// ```
/// use netcore_websocket::proto::MaskRng;
/// let mut rng = MaskRng::new(42); // seeded for a reproducible test; `from_entropy()` otherwise
/// let (a, b) = (rng.mask(), rng.mask());
/// assert_ne!(a, b); // a fresh masking key per frame
/// let mut nonce = [0u8; 16];
/// rng.fill(&mut nonce); // a handshake key's nonce
/// assert_ne!(nonce, [0; 16]);
/// ```
#[derive(Debug, Clone)]
pub struct MaskRng(netcore::rng::Rng);

impl MaskRng {
    /// A generator with a fixed seed (tests, benches).
    ///
    /// ```
    /// use netcore_websocket::proto::rng::MaskRng;
    /// let (mut a, mut b) = (MaskRng::new(7), MaskRng::new(7));
    /// assert_eq!(a.next_u64(), b.next_u64());
    /// ```
    pub fn new(seed: u64) -> Self {
        Self(netcore::rng::Rng::new(seed))
    }

    /// A generator seeded from the OS.
    pub fn from_entropy() -> Self {
        Self(netcore::rng::Rng::from_entropy())
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// A 4-byte masking key (RFC 6455 §5.3).
    pub fn mask(&mut self) -> [u8; 4] {
        (self.next_u64() as u32).to_ne_bytes()
    }

    /// Fills `out` with random bytes (a handshake key's 16-byte nonce).
    pub fn fill(&mut self, out: &mut [u8]) {
        self.0.fill(out)
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
