//! The sans-IO core: bytes in, events and bytes out; no socket, no loop, no clock, no global RNG.

pub mod rng;
