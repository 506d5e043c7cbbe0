#!/usr/bin/env bash
# The demo: a local chain running the demo DeFi protocol with live users, indexed into SQLite and
# served on http://127.0.0.1:8080. Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
NEED_POSTGRES=0 scripts/ensure-deps.sh
exec cargo run --locked -p tributary -- demo "$@"
