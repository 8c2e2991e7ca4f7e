//! What the loopback tests share: a server loop on its own thread, and Node `ws` from npm.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use netcore::EventLoop;

/// Runs `setup` on a new loop thread; returns what it returned (an address) and a function that
/// stops the loop and joins the thread.
pub fn serve(setup: impl FnOnce(&mut EventLoop) -> String + Send + 'static) -> (String, impl FnOnce()) {
    let (tx, rx) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        let mut lp = EventLoop::new().unwrap();
        let addr = setup(&mut lp);
        tx.send((addr, lp.remote())).unwrap();
        // A watchdog: no test runs this long.
        let t = lp.set_timeout(Duration::from_secs(60), |_| panic!("server loop ran 60 s"));
        lp.unref_timer(t);
        lp.run().unwrap();
    });
    let (addr, remote) = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    let stop = move || {
        remote.stop();
        thread.join().unwrap();
    };
    (addr, stop)
}

/// The `NODE_PATH` holding Node `ws` 8: `target/npm/node_modules` of the workspace, where
/// `.ci/run` installs it; installed here with npm if it is missing.
pub fn node_ws() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let prefix = root.join("target/npm");
    let modules = prefix.join("node_modules");
    if !modules.join("ws/package.json").exists() {
        let status = Command::new("npm")
            .args(["install", "--silent", "--no-audit", "--no-fund", "--prefix"])
            .arg(&prefix)
            .arg("ws@8.23.0")
            .status()
            .expect("npm (Node's package manager) is needed for the Node ws tests");
        assert!(status.success(), "npm install ws failed");
    }
    modules
}
