//! `vpbx`: run the multi-tenant PBX, manage its tenants and users, and list their calls.
//!
//! Every command works on the data directory (`--data`, env `VPBX_DATA`, default
//! `./vpbx-data`). Management commands write straight to the store; a running `vpbx serve`
//! on the same directory picks the change up within about a second. Errors print one line
//! on stderr and exit non-zero.

mod args;
mod commands;
mod output;
mod time;

use clap::Parser;

/// mimalloc returns freed memory to the system soon after a load peak (glibc's malloc keeps
/// it in per-thread arenas), so the server's RSS falls back after bursts.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Lets mimalloc give a worker thread's freed pages back to the system at most once a
/// second, when the thread goes idle: memory freed by one thread is otherwise only
/// reclaimed when that thread allocates again, which keeps a load peak's RSS after it.
fn collect_now_and_then() {
    use std::cell::Cell;
    use std::time::{Duration, Instant};
    thread_local! {
        static LAST: Cell<Option<Instant>> = const { Cell::new(None) };
    }
    let now = Instant::now();
    if LAST
        .get()
        .is_none_or(|t| now.duration_since(t) >= Duration::from_secs(1))
    {
        LAST.set(Some(now));
        // SAFETY: mi_collect only walks and trims this thread's own heap.
        unsafe { libmimalloc_sys::mi_collect(true) };
    }
}

fn main() -> std::process::ExitCode {
    let cli = args::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .on_thread_park(collect_now_and_then)
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
