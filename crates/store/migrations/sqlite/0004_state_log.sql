-- The state change log history is computed from: for the keys history
-- reads (positions, reserves, prices, gauge data, LP and ERC-4626 shares),
-- the value of a key at the end of every block it changed in, with that
-- block's timestamp. A reorg deletes the rows above the common ancestor; a
-- rebuild replaces the rows of the kinds it replays.
CREATE TABLE state_log (
    chain_id        INTEGER NOT NULL,
    kind            INTEGER NOT NULL,
    scope           BLOB    NOT NULL,
    subject         BLOB    NOT NULL,
    block_number    INTEGER NOT NULL,
    block_timestamp INTEGER NOT NULL,
    value           BLOB    NOT NULL,
    PRIMARY KEY (chain_id, kind, scope, subject, block_number)
) WITHOUT ROWID;
CREATE INDEX state_log_by_block ON state_log (chain_id, block_number);
-- The NFTs (locks) an account ever owned, for its history.
CREATE INDEX state_log_owners ON state_log (chain_id, scope, value) WHERE kind = 3;

-- Hourly points recorded by the API process: replaced by the log.
DROP TABLE history;
