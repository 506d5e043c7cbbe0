-- Operations: the run log, dead letters, and per-chain leases.
-- Times are Unix milliseconds (wall clock: these are operational records,
-- never inputs of derived state).

CREATE TABLE ingest_runs (
    id          BIGSERIAL PRIMARY KEY,
    job         TEXT    NOT NULL,
    chain_id    BIGINT NOT NULL,
    from_block  BIGINT,
    to_block    BIGINT,
    started_at  BIGINT NOT NULL,
    ended_at    BIGINT,
    status      TEXT    NOT NULL,
    stats       TEXT    NOT NULL DEFAULT '{}',
    error       TEXT
);
CREATE INDEX ingest_runs_by_chain ON ingest_runs (chain_id, id DESC);

-- A log that failed to decode or project. One row per (log, contract
-- entry); a later failure of the same log updates it.
CREATE TABLE dead_letters (
    id           BIGSERIAL PRIMARY KEY,
    chain_id     BIGINT NOT NULL,
    block_number BIGINT NOT NULL,
    log_index    BIGINT NOT NULL,
    tx_hash      BYTEA    NOT NULL,
    contract     TEXT    NOT NULL,
    event        TEXT,
    payload      TEXT    NOT NULL,
    error        TEXT    NOT NULL,
    retry_count  BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    resolved_at  BIGINT,
    UNIQUE (chain_id, block_number, log_index, contract)
);
CREATE INDEX dead_letters_open ON dead_letters (chain_id, resolved_at, block_number);

-- Who works a chain (PostgreSQL high availability): the epoch grows with
-- every takeover, and commits of an older epoch are refused.
CREATE TABLE leases (
    chain_id    BIGINT PRIMARY KEY,
    epoch       BIGINT NOT NULL,
    holder      TEXT    NOT NULL,
    acquired_at BIGINT NOT NULL
);
