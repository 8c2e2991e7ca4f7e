#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod cache;
mod cluster;
mod event_loop;
pub mod framing;
pub mod lookup;
mod pool;
mod remote;
pub mod rng;
pub mod signal;
mod slab;
pub mod stdio;
pub mod stream;
pub mod timer;

pub use cluster::{available_cores, Cluster};
pub use event_loop::{
    EventLoop, HandleId, ImmediateId, LoopOptions, Ready, ReadyFn, TimerId, DEFAULT_READ_BUFFER_SIZE,
    DEFAULT_THREAD_POOL_SIZE,
};
pub use remote::{LoopClosed, Remote};

pub use mio;
