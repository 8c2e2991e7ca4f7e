//! Loop micro-benchmarks: timer insert+cancel with 1 and 1,000,000 active timers, cross-thread
//! wake-up round trips, and immediates per `run_once`.
//!
//! Each group puts a floor or a peer beside ours: a `BTreeMap` timer set (the usual alternative
//! to a heap with lazy deletion) and a bare channel ping-pong between two threads (a wake-up
//! without any event loop). Read the results as ratios within a group.
#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use netcore::timer::TimerQueue;
use netcore::{EventLoop, HandleId, Ready};

const HOUR: Duration = Duration::from_secs(3600);
const SIZES: [(usize, &str); 2] = [(1, "1 active"), (1_000_000, "1M active")];

/// Deadlines spread over ten seconds past an hour, so new timers land inside the heap, not at an end.
fn spread(i: usize) -> Duration {
    HOUR + Duration::from_micros((i as u64 * 7919) % 10_000_000)
}

fn timers(c: &mut Criterion) {
    let mut g = c.benchmark_group("timer insert+cancel");
    g.throughput(Throughput::Elements(1));
    for (active, label) in SIZES {
        // Fill once per size, outside the measured closure (criterion calls it once per sample).
        let t0 = Instant::now();
        let mut q = TimerQueue::new();
        for i in 0..active {
            q.insert(t0 + spread(i), i);
        }
        let mut i = active;
        g.bench_function(BenchmarkId::new("TimerQueue", label), |b| {
            b.iter(|| {
                i += 1;
                let key = q.insert(t0 + spread(i), i);
                black_box(q.cancel(key));
            });
        });
        assert_eq!(q.len(), active);
        drop(q);

        let mut lp = EventLoop::new().unwrap();
        for i in 0..active {
            lp.set_timeout(spread(i), |_| {});
        }
        g.bench_function(BenchmarkId::new("EventLoop::set_timeout+clear_timer", label), |b| {
            b.iter(|| {
                let id = lp.set_timeout(black_box(HOUR), |_| {});
                black_box(lp.clear_timer(id));
            });
        });
        assert_eq!(lp.active_timers(), active);
        drop(lp);

        let mut m = BTreeMap::new();
        for i in 0..active {
            m.insert((t0 + spread(i), i), i);
        }
        let mut seq = active;
        g.bench_function(BenchmarkId::new("BTreeMap (peer)", label), |b| {
            b.iter(|| {
                seq += 1;
                let key = (t0 + spread(seq), seq);
                m.insert(key, seq);
                black_box(m.remove(&key));
            });
        });
        assert_eq!(m.len(), active);
    }
    g.finish();
}

fn never(_: &mut EventLoop, _: HandleId, _: Ready) {}

fn wake_up(c: &mut Criterion) {
    let mut g = c.benchmark_group("cross-thread round trip");
    g.throughput(Throughput::Elements(1));

    // A loop on its own thread, kept alive by an idle handle; each post replies on a channel.
    let (remote_tx, remote_rx) = mpsc::channel();
    let (reply_tx, reply_rx) = mpsc::channel::<()>();
    let looper = thread::spawn(move || {
        let mut lp = EventLoop::new().unwrap();
        lp.insert_handle((), never);
        lp.set_state(reply_tx);
        remote_tx.send(lp.remote()).unwrap();
        lp.run().unwrap();
    });
    let remote = remote_rx.recv().unwrap();
    g.bench_function("Remote::post → loop → channel", |b| {
        b.iter(|| {
            remote.post(|lp| lp.state::<mpsc::Sender<()>>().unwrap().send(()).unwrap()).unwrap();
            reply_rx.recv().unwrap();
        });
    });
    remote.stop();
    looper.join().unwrap();

    // The floor: two threads and two channels, nothing else.
    let (ping_tx, ping_rx) = mpsc::channel::<()>();
    let (pong_tx, pong_rx) = mpsc::channel::<()>();
    let echo = thread::spawn(move || {
        for () in ping_rx {
            pong_tx.send(()).unwrap();
        }
    });
    g.bench_function("channel ping-pong (floor)", |b| {
        b.iter(|| {
            ping_tx.send(()).unwrap();
            pong_rx.recv().unwrap();
        });
    });
    drop(ping_tx);
    echo.join().unwrap();
    g.finish();
}

fn immediates(c: &mut Criterion) {
    let mut g = c.benchmark_group("set_immediate+run_once");
    for per_turn in [1u64, 1000] {
        g.throughput(Throughput::Elements(per_turn));
        g.bench_function(BenchmarkId::new("immediates per run_once", per_turn), |b| {
            let mut lp = EventLoop::new().unwrap();
            lp.set_state(0u64);
            b.iter(|| {
                for _ in 0..per_turn {
                    lp.set_immediate(|lp| *lp.state_mut::<u64>().unwrap() += 1);
                }
                lp.run_once(Some(Duration::ZERO)).unwrap();
            });
            assert!(*lp.state::<u64>().unwrap() > 0);
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = timers, wake_up, immediates
}
criterion_main!(benches);
