//! Tests of the `tributary` binary itself: crashes, exit codes, init.

mod config_errors;
mod ha;
mod kill9;
mod positions;
mod procs;
mod schemathesis;
mod serving;
