-- Operations: the run log, dead letters, and per-chain leases.
-- Times are Unix milliseconds (wall clock: these are operational records,
-- never inputs of derived state).

CREATE TABLE ingest_runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    job         TEXT    NOT NULL,
    chain_id    INTEGER NOT NULL,
    from_block  INTEGER,
    to_block    INTEGER,
    started_at  INTEGER NOT NULL,
    ended_at    INTEGER,
    status      TEXT    NOT NULL,
    stats       TEXT    NOT NULL DEFAULT '{}',
    error       TEXT
);
CREATE INDEX ingest_runs_by_chain ON ingest_runs (chain_id, id DESC);

-- A log that failed to decode or project. One row per (log, contract
-- entry); a later failure of the same log updates it.
CREATE TABLE dead_letters (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    chain_id     INTEGER NOT NULL,
    block_number INTEGER NOT NULL,
    log_index    INTEGER NOT NULL,
    tx_hash      BLOB    NOT NULL,
    contract     TEXT    NOT NULL,
    event        TEXT,
    payload      TEXT    NOT NULL,
    error        TEXT    NOT NULL,
    retry_count  INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    resolved_at  INTEGER,
    UNIQUE (chain_id, block_number, log_index, contract)
);
CREATE INDEX dead_letters_open ON dead_letters (chain_id, resolved_at, block_number);

-- Who works a chain (PostgreSQL high availability): the epoch grows with
-- every takeover, and commits of an older epoch are refused.
CREATE TABLE leases (
    chain_id    INTEGER PRIMARY KEY,
    epoch       INTEGER NOT NULL,
    holder      TEXT    NOT NULL,
    acquired_at INTEGER NOT NULL
);
