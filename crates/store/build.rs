//! Rebuilds the crate when a migration changes: `sqlx::migrate!` embeds `migrations/` at
//! compile time and cannot tell cargo about the files itself on stable Rust.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
