-- tributary schema, PostgreSQL engine. uint256 values are NUMERIC(78,0):
-- exact, and readable by SQL users. Addresses are 20-byte BYTEA, state
-- subjects 32-byte BYTEA.

CREATE TABLE chains (
    chain_id          BIGINT PRIMARY KEY,
    name              TEXT    NOT NULL,
    confirmations     BIGINT NOT NULL,
    head_number       BIGINT,
    head_hash         BYTEA,
    head_timestamp    BIGINT,
    indexed_number    BIGINT,
    indexed_hash      BYTEA,
    indexed_timestamp BIGINT,
    event_count       BIGINT NOT NULL DEFAULT 0,
    last_error        TEXT
);

CREATE TABLE headers (
    chain_id    BIGINT NOT NULL,
    number      BIGINT NOT NULL,
    hash        BYTEA    NOT NULL,
    parent_hash BYTEA    NOT NULL,
    timestamp   BIGINT NOT NULL,
    PRIMARY KEY (chain_id, number)
);

CREATE TABLE events (
    chain_id     BIGINT NOT NULL,
    block_number BIGINT NOT NULL,
    log_index    BIGINT NOT NULL,
    block_hash   BYTEA    NOT NULL,
    tx_hash      BYTEA    NOT NULL,
    tx_index     BIGINT NOT NULL,
    address      BYTEA    NOT NULL,
    contract     TEXT    NOT NULL,
    event        TEXT    NOT NULL,
    args         TEXT    NOT NULL,
    topics       BYTEA    NOT NULL,
    data         BYTEA    NOT NULL,
    PRIMARY KEY (chain_id, block_number, log_index)
);
CREATE INDEX events_by_contract ON events (contract, block_number, log_index);
CREATE INDEX events_by_address ON events (address, block_number, log_index);

CREATE TABLE state (
    chain_id BIGINT NOT NULL,
    kind     SMALLINT NOT NULL,
    scope    BYTEA    NOT NULL,
    subject  BYTEA    NOT NULL,
    value    NUMERIC(78,0) NOT NULL,
    PRIMARY KEY (chain_id, kind, scope, subject)
);
CREATE INDEX state_by_value ON state (chain_id, kind, scope, value DESC, subject);
CREATE INDEX state_by_subject ON state (subject, kind);

CREATE TABLE undo (
    chain_id     BIGINT NOT NULL,
    block_number BIGINT NOT NULL,
    seq          BIGINT NOT NULL,
    kind         SMALLINT NOT NULL,
    scope        BYTEA    NOT NULL,
    subject      BYTEA    NOT NULL,
    previous     NUMERIC(78,0) NOT NULL,
    PRIMARY KEY (chain_id, block_number, seq)
);

CREATE TABLE tokens (
    chain_id BIGINT NOT NULL,
    address  BYTEA    NOT NULL,
    contract TEXT    NOT NULL,
    kind     TEXT    NOT NULL,
    symbol   TEXT,
    decimals SMALLINT,
    PRIMARY KEY (chain_id, address)
);

-- Addresses found at run time by factory events; removed when the block
-- that created them is reorged away.
CREATE TABLE discovered (
    chain_id     BIGINT NOT NULL,
    contract     TEXT    NOT NULL,
    address      BYTEA    NOT NULL,
    block_number BIGINT NOT NULL,
    log_index    BIGINT NOT NULL,
    PRIMARY KEY (chain_id, contract, address)
);

-- The config fingerprint each contract's projection was built with.
CREATE TABLE projections (
    chain_id    BIGINT NOT NULL,
    contract    TEXT    NOT NULL,
    fingerprint TEXT    NOT NULL,
    PRIMARY KEY (chain_id, contract)
);
