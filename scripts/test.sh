#!/usr/bin/env bash
# The test command: installs what it needs, then runs every test (unit,
# store conformance on SQLite and PostgreSQL, end-to-end on a real anvil).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh
# Real-node and real-database tests are heavy on a 2-core machine: run the
# test binaries one test at a time per binary, binaries in sequence.
exec cargo test --workspace --locked -- --test-threads="${TEST_THREADS:-2}" "$@"
