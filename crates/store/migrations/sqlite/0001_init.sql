-- tributary schema, SQLite engine. uint256 values are 32-byte big-endian
-- BLOBs: exact, and they sort by memcmp exactly as the numbers do.
-- Addresses are 20-byte BLOBs; state subjects 32-byte BLOBs.

CREATE TABLE chains (
    chain_id          INTEGER PRIMARY KEY,
    name              TEXT    NOT NULL,
    confirmations     INTEGER NOT NULL,
    head_number       INTEGER,
    head_hash         BLOB,
    head_timestamp    INTEGER,
    indexed_number    INTEGER,
    indexed_hash      BLOB,
    indexed_timestamp INTEGER,
    event_count       INTEGER NOT NULL DEFAULT 0,
    last_error        TEXT
);

CREATE TABLE headers (
    chain_id    INTEGER NOT NULL,
    number      INTEGER NOT NULL,
    hash        BLOB    NOT NULL,
    parent_hash BLOB    NOT NULL,
    timestamp   INTEGER NOT NULL,
    PRIMARY KEY (chain_id, number)
) WITHOUT ROWID;

CREATE TABLE events (
    chain_id     INTEGER NOT NULL,
    block_number INTEGER NOT NULL,
    log_index    INTEGER NOT NULL,
    block_hash   BLOB    NOT NULL,
    tx_hash      BLOB    NOT NULL,
    tx_index     INTEGER NOT NULL,
    address      BLOB    NOT NULL,
    contract     TEXT    NOT NULL,
    event        TEXT    NOT NULL,
    args         TEXT    NOT NULL,
    topics       BLOB    NOT NULL,
    data         BLOB    NOT NULL,
    PRIMARY KEY (chain_id, block_number, log_index)
) WITHOUT ROWID;
CREATE INDEX events_by_contract ON events (contract, block_number, log_index);
CREATE INDEX events_by_address ON events (address, block_number, log_index);

CREATE TABLE state (
    chain_id INTEGER NOT NULL,
    kind     INTEGER NOT NULL,
    scope    BLOB    NOT NULL,
    subject  BLOB    NOT NULL,
    value    BLOB    NOT NULL,
    PRIMARY KEY (chain_id, kind, scope, subject)
) WITHOUT ROWID;
CREATE INDEX state_by_value ON state (chain_id, kind, scope, value DESC, subject);
CREATE INDEX state_by_subject ON state (subject, kind);

CREATE TABLE undo (
    chain_id     INTEGER NOT NULL,
    block_number INTEGER NOT NULL,
    seq          INTEGER NOT NULL,
    kind         INTEGER NOT NULL,
    scope        BLOB    NOT NULL,
    subject      BLOB    NOT NULL,
    previous     BLOB    NOT NULL,
    PRIMARY KEY (chain_id, block_number, seq)
) WITHOUT ROWID;

CREATE TABLE tokens (
    chain_id INTEGER NOT NULL,
    address  BLOB    NOT NULL,
    contract TEXT    NOT NULL,
    kind     TEXT    NOT NULL,
    symbol   TEXT,
    decimals INTEGER,
    PRIMARY KEY (chain_id, address)
) WITHOUT ROWID;

-- Addresses found at run time by factory events; removed when the block
-- that created them is reorged away.
CREATE TABLE discovered (
    chain_id     INTEGER NOT NULL,
    contract     TEXT    NOT NULL,
    address      BLOB    NOT NULL,
    block_number INTEGER NOT NULL,
    log_index    INTEGER NOT NULL,
    PRIMARY KEY (chain_id, contract, address)
) WITHOUT ROWID;

-- The config fingerprint each contract's projection was built with.
CREATE TABLE projections (
    chain_id    INTEGER NOT NULL,
    contract    TEXT    NOT NULL,
    fingerprint TEXT    NOT NULL,
    PRIMARY KEY (chain_id, contract)
) WITHOUT ROWID;
