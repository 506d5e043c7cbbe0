-- Undo entries move to chunks: one row per block, kind and scope, holding
-- up to 1024 keys' previous values in an RLP body (see
-- crates/store/src/undo.rs). The old table keeps its rows under a new name
-- until `Store::connect` has moved them into chunks; it is dropped then.
-- A rowid table: chunk rows are large, which WITHOUT ROWID tables are not
-- made for.
ALTER TABLE undo RENAME TO undo_v1;

CREATE TABLE undo (
    chain_id     INTEGER NOT NULL,
    block_number INTEGER NOT NULL,
    seq          INTEGER NOT NULL,
    kind         INTEGER NOT NULL,
    scope        BLOB    NOT NULL,
    entries      BLOB    NOT NULL,
    PRIMARY KEY (chain_id, block_number, seq)
);
