-- Raw events move to chunks: one row per emitter and block (at most 256
-- logs), its events in an RLP body (see crates/store/src/events). The old
-- table keeps its rows under a new name until `Store::connect` has moved
-- them into chunks; it is dropped then.
ALTER TABLE events RENAME TO events_v1;
DROP INDEX events_by_contract;
DROP INDEX events_by_address;

CREATE TABLE event_chunks (
    chain_id        BIGINT NOT NULL,
    block_number    BIGINT NOT NULL,
    first_log_index BIGINT NOT NULL,
    last_log_index  BIGINT NOT NULL,
    events          BIGINT NOT NULL,
    block_hash      BYTEA  NOT NULL,
    address         BYTEA  NOT NULL,
    contract        TEXT   NOT NULL,
    body            BYTEA  NOT NULL,
    PRIMARY KEY (chain_id, block_number, first_log_index)
);
-- Bodies are RLP of hashes and hex text: pglz would spend more CPU on them
-- at every commit than the disk it saves is worth.
ALTER TABLE event_chunks ALTER COLUMN body SET STORAGE EXTERNAL;
CREATE INDEX event_chunks_by_contract ON event_chunks (contract, block_number, first_log_index);
CREATE INDEX event_chunks_by_address ON event_chunks (address, block_number, first_log_index);
