-- Undo entries move to chunks: one row per block, kind and scope, holding
-- up to 1024 keys' previous values in an RLP body (see
-- crates/store/src/undo.rs). Row by row, the 87k entries of a 12-block
-- window after a busy backfill took 220-270 ms to insert, each a heap
-- tuple, a key in the primary key and two WAL records; as 85 chunks they
-- take about 10 ms. The old table keeps its rows under a new name until
-- `Store::connect` has moved them into chunks; it is dropped then.
ALTER TABLE undo RENAME TO undo_v1;
ALTER INDEX undo_pkey RENAME TO undo_v1_pkey;

CREATE TABLE undo (
    chain_id     BIGINT   NOT NULL,
    block_number BIGINT   NOT NULL,
    seq          BIGINT   NOT NULL,
    kind         SMALLINT NOT NULL,
    scope        BYTEA    NOT NULL,
    entries      BYTEA    NOT NULL,
    PRIMARY KEY (chain_id, block_number, seq)
);
-- Subjects are hashes and values are short: pglz would spend CPU on them
-- at every commit for little.
ALTER TABLE undo ALTER COLUMN entries SET STORAGE EXTERNAL;
