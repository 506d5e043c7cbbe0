#!/usr/bin/env bash
# Load benchmark of the API: read throughput and latency per endpoint with
# the cache on and off, on SQLite and PostgreSQL, for several store sizes;
# then push latency from a block mined on anvil to a WebSocket client.
#
#   scripts/load-bench.sh                       # 1k and 100k accounts, both engines
#   ACCOUNTS=1000,100000,1000000 scripts/load-bench.sh
#   GENERATOR=wrk scripts/load-bench.sh         # load with wrk instead of the built-in client
#   RATE=10000 scripts/load-bench.sh            # the fixed rate of the latency-at-load rows
#   ENDPOINTS=balances,holders scripts/load-bench.sh
#   SKIP_PUSH=1 scripts/load-bench.sh
#
# PostgreSQL: TRIBUTARY_TEST_PG (default postgres://postgres@127.0.0.1:5432/postgres).
set -euo pipefail
cd "$(dirname "$0")/.."

ACCOUNTS="${ACCOUNTS:-1000,100000}"
BACKENDS="${BACKENDS:-sqlite,postgres}"
SECONDS_EACH="${SECONDS_EACH:-10}"
RATE="${RATE:-10000}"
ENDPOINTS="${ENDPOINTS:-balances,holders,portfolio}"
CONNECTIONS="${CONNECTIONS:-64}"
BLOCKS="${BLOCKS:-500}"
TARGET="${CARGO_TARGET_DIR:-target}"

if [[ "${GENERATOR:-builtin}" == wrk ]] && ! command -v wrk >/dev/null; then
    echo "installing wrk" >&2
    apt-get install -y wrk >/dev/null || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi

CARGO_TARGET_DIR="$TARGET" cargo build --release -p tributary-loadbench -p tributary
bin="$TARGET/release"

wrk_flag=()
[[ "${GENERATOR:-builtin}" == wrk ]] && wrk_flag=(--wrk)

"$bin/loadbench" http --backend "$BACKENDS" --accounts "$ACCOUNTS" \
    --seconds "$SECONDS_EACH" --connections "$CONNECTIONS" --rate "$RATE" --endpoints "$ENDPOINTS" "${wrk_flag[@]}"

if [[ -z "${SKIP_PUSH:-}" ]]; then
    "$bin/loadbench" push --tributary "$bin/tributary" --blocks "$BLOCKS" --interval-ms 100
fi
