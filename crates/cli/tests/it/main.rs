//! Tests of the `tributary` binary itself: crashes, exit codes, init.

mod config_errors;
mod kill9;
