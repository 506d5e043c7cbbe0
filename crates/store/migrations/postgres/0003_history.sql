-- Hourly history of portfolios and pools: one point per (series, subject,
-- hour), the valuation at the first indexed block of that hour. Points of
-- blocks undone by a reorg are deleted with them.
CREATE TABLE history (
    chain_id     BIGINT NOT NULL,
    series       TEXT    NOT NULL,
    subject      BYTEA    NOT NULL,
    bucket       BIGINT NOT NULL,
    block_number BIGINT NOT NULL,
    data         TEXT    NOT NULL,
    PRIMARY KEY (chain_id, series, subject, bucket)
);
CREATE INDEX history_by_block ON history (chain_id, block_number);
