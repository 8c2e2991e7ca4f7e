//! Loop-per-core: N loops on N threads (Node's `cluster`, without processes).
//!
//! Each loop is set up by the same function, which typically binds its own listener with
//! `SO_REUSEPORT` so the kernel spreads incoming connections across the loops.

use std::io;
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;

use crate::{EventLoop, LoopOptions, Remote};

/// The number of cores this process may run on (at least 1).
pub fn available_cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// N event loops running on N threads.
///
/// ```
/// use netcore::Cluster;
/// let cluster = Cluster::spawn(2, |lp, index| {
///     lp.set_timeout(std::time::Duration::from_millis(1), move |_| println!("loop {index}"));
///     Ok(())
/// })?;
/// cluster.join()?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Cluster {
    remotes: Vec<Remote>,
    threads: Vec<JoinHandle<io::Result<()>>>,
}

impl Cluster {
    /// Starts `n` loops; each runs `setup(loop, index)` and then runs until it has nothing left to
    /// do or is stopped. Returns once every setup has finished; the first setup error is returned
    /// (after stopping the loops that did start).
    pub fn spawn<F>(n: usize, setup: F) -> io::Result<Cluster>
    where
        F: Fn(&mut EventLoop, usize) -> io::Result<()> + Send + Sync + 'static,
    {
        Self::spawn_with(n, LoopOptions::default(), setup)
    }

    /// Like [`spawn`](Self::spawn), with options for every loop.
    pub fn spawn_with<F>(n: usize, options: LoopOptions, setup: F) -> io::Result<Cluster>
    where
        F: Fn(&mut EventLoop, usize) -> io::Result<()> + Send + Sync + 'static,
    {
        let setup = Arc::new(setup);
        let (tx, rx) = mpsc::channel::<io::Result<Remote>>();
        let mut threads = Vec::with_capacity(n);
        for index in 0..n.max(1) {
            let setup = setup.clone();
            let tx = tx.clone();
            let options = options.clone();
            let thread =
                std::thread::Builder::new().name(format!("netcore-loop-{index}")).spawn(move || {
                    let mut lp = match EventLoop::with_options(options) {
                        Ok(lp) => lp,
                        Err(e) => {
                            let _ = tx.send(Err(io::Error::new(e.kind(), e.to_string())));
                            return Err(e);
                        }
                    };
                    if let Err(e) = setup(&mut lp, index) {
                        let _ = tx.send(Err(io::Error::new(e.kind(), e.to_string())));
                        return Err(e);
                    }
                    let _ = tx.send(Ok(lp.remote()));
                    drop(tx);
                    lp.run()
                })?;
            threads.push(thread);
        }
        drop(tx);
        let mut remotes = Vec::with_capacity(n);
        let mut first_err = None;
        for result in rx.iter().take(threads.len()) {
            match result {
                Ok(r) => remotes.push(r),
                Err(e) => first_err = first_err.or(Some(e)),
            }
        }
        let cluster = Cluster { remotes, threads };
        if let Some(e) = first_err {
            cluster.stop();
            let _ = cluster.join();
            return Err(e);
        }
        Ok(cluster)
    }

    /// Remotes to every loop, in index order of successful start.
    pub fn remotes(&self) -> &[Remote] {
        &self.remotes
    }

    /// Asks every loop to stop.
    pub fn stop(&self) {
        for r in &self.remotes {
            r.stop();
        }
    }

    /// Waits for every loop to return; the first error wins.
    pub fn join(self) -> io::Result<()> {
        let mut result = Ok(());
        for t in self.threads {
            let r = t.join().unwrap_or_else(|_| Err(io::Error::other("an event loop thread panicked")));
            if result.is_ok() {
                result = r;
            }
        }
        result
    }
}
