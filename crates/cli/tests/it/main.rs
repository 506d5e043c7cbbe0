//! Tests of the `tributary` binary itself: crashes, exit codes, init.

mod config_errors;
mod ha;
mod kill9;
mod metrics_scrape;
mod positions;
mod procs;
mod replay_window;
mod schemathesis;
mod serving;
mod traffic;
