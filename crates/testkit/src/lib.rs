//! Test and benchmark helpers shared by vpbx crates; used only as a dev-dependency.
//!
//! [`bench::measure`] is the micro-benchmark loop behind `cargo bench`: it reports the
//! median of several timed rounds, never a single run.

pub mod bench;
