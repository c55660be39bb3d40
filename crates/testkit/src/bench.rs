//! A minimal micro-benchmark runner: warm up, then time `ROUNDS` rounds of a batch sized
//! to take about a fifth of a second, and print the median time per operation.

use std::hint::black_box;
use std::time::{Duration, Instant};

const ROUNDS: usize = 7;
const ROUND_TIME: Duration = Duration::from_millis(200);

/// Result of one benchmark: median nanoseconds per operation and the spread of rounds.
#[derive(Debug, Clone, Copy)]
pub struct Measurement {
    /// Median nanoseconds per operation.
    pub median_ns: f64,
    /// Fastest round, nanoseconds per operation.
    pub min_ns: f64,
    /// Slowest round, nanoseconds per operation.
    pub max_ns: f64,
}

/// Times `op` and prints `name: median ns/op (ops/s) [min..max]`.
pub fn measure<R>(name: &str, mut op: impl FnMut() -> R) -> Measurement {
    let mut batch = 1u64;
    loop {
        let t = Instant::now();
        for _ in 0..batch {
            black_box(op());
        }
        if t.elapsed() >= ROUND_TIME / 4 || batch >= 1 << 30 {
            break;
        }
        batch *= 2;
    }
    batch *= 4;
    let mut per_op: Vec<f64> = (0..ROUNDS)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..batch {
                black_box(op());
            }
            t.elapsed().as_nanos() as f64 / batch as f64
        })
        .collect();
    per_op.sort_by(f64::total_cmp);
    let m = Measurement {
        median_ns: per_op[ROUNDS / 2],
        min_ns: per_op[0],
        max_ns: per_op[ROUNDS - 1],
    };
    println!(
        "{name:<40} {:>10.0} ns/op {:>12.0} ops/s  [{:.0}..{:.0}]",
        m.median_ns,
        1e9 / m.median_ns,
        m.min_ns,
        m.max_ns
    );
    m
}
