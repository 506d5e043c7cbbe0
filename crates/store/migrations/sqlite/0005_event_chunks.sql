-- Raw events move to chunks: one row per emitter and block (at most 256
-- logs), its events in an RLP body (see crates/store/src/events). The old
-- table keeps its rows under a new name until `Store::connect` has moved
-- them into chunks; it is dropped then.
ALTER TABLE events RENAME TO events_v1;
DROP INDEX events_by_contract;
DROP INDEX events_by_address;

CREATE TABLE event_chunks (
    chain_id        INTEGER NOT NULL,
    block_number    INTEGER NOT NULL,
    first_log_index INTEGER NOT NULL,
    last_log_index  INTEGER NOT NULL,
    events          INTEGER NOT NULL,
    block_hash      BLOB    NOT NULL,
    address         BLOB    NOT NULL,
    contract        TEXT    NOT NULL,
    body            BLOB    NOT NULL,
    PRIMARY KEY (chain_id, block_number, first_log_index)
);
CREATE INDEX event_chunks_by_contract ON event_chunks (contract, block_number, first_log_index);
CREATE INDEX event_chunks_by_address ON event_chunks (address, block_number, first_log_index);
