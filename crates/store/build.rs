//! Rebuilds the crate when a migration changes: `sqlx::migrate!` embeds the
//! `migrations/` directory at compile time, and stable Rust cannot tell cargo
//! to watch it from inside the macro.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
