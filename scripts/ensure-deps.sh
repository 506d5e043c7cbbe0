#!/usr/bin/env bash
# Installs what the demo and the tests need on a fresh machine:
#   - the npm test tools (anvil, solc) from package-lock.json
#   - a reachable PostgreSQL at $TRIBUTARY_TEST_PG (default 127.0.0.1:5432,
#     user postgres, trust auth): started if installed, else installed from
#     Debian's packages when we are root. Says exactly what is missing otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

need() { command -v "$1" >/dev/null 2>&1 || { echo "missing: $1 ($2)" >&2; exit 1; }; }
need cargo "install Rust with rustup"
need npm "install Node.js 18+ and npm"

if [ ! -x node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil ] || [ ! -d node_modules/solc ]; then
  echo "== installing npm test tools (anvil, solc)"
  # Not `npm ci`: anvil lists optional per-platform packages that are not all
  # published, so no lock file can satisfy it; install honours the lock.
  npm install --no-audit --no-fund --loglevel=error
fi

pg_up() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
if [ "${NEED_POSTGRES:-1}" = 1 ] && ! pg_up; then
  echo "== PostgreSQL is not answering on 127.0.0.1:5432; starting it"
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    else
      echo "missing: PostgreSQL server on 127.0.0.1:5432 (install Debian's 'postgresql' as root, or set TRIBUTARY_TEST_PG)" >&2
      exit 1
    fi
  fi
  ver=$(ls /etc/postgresql | sort -V | tail -1)
  hba=/etc/postgresql/$ver/main/pg_hba.conf
  grep -q "^host all all 127.0.0.1/32 trust" "$hba" || sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start 2>/dev/null || pg_ctlcluster "$ver" main start
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  pg_up || { echo "PostgreSQL did not come up on 127.0.0.1:5432" >&2; exit 1; }
fi
