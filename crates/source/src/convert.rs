//! Conversion of node answers into tributary's shared types.
//!
//! Headers and logs are read through minimal wire structs rather than
//! alloy's full types: chains whose blocks lack or add Ethereum fields still
//! work, and a log parses straight into its fields. (alloy's `Log` nests the
//! inner log with `#[serde(flatten)]`, which makes serde buffer every field of
//! every log into an intermediate tree first; on a backfill that was a fifth
//! of the indexer's CPU.)

use alloy::primitives::{Address, B256, Bloom, Bytes, U64};
use serde::Deserialize;
use tributary_types::{BlockHeader, RawLog};

/// The part of a JSON-RPC block (or `newHeads` notification) we read.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RpcHeader {
    number: Option<U64>,
    hash: Option<B256>,
    parent_hash: B256,
    timestamp: U64,
    /// Absent on chains whose blocks carry no bloom; then no bloom check.
    #[serde(default)]
    logs_bloom: Option<Bloom>,
}

impl RpcHeader {
    /// The header, or what is missing (a pending block has no number or hash).
    pub fn to_header(&self) -> Result<BlockHeader, String> {
        let number = self
            .number
            .ok_or("block without a number (pending block)")?;
        let hash = self.hash.ok_or("block without a hash (pending block)")?;
        Ok(BlockHeader {
            number: number.to::<u64>(),
            hash,
            parent_hash: self.parent_hash,
            timestamp: self.timestamp.to::<u64>(),
        })
    }

    /// The block's `logsBloom`, when the node sent one.
    pub fn bloom(&self) -> Option<Bloom> {
        self.logs_bloom
    }
}

/// The part of a JSON-RPC log (`eth_getLogs`) we read. Position fields are
/// optional on the wire because pending logs lack them.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RpcLog {
    address: Address,
    topics: Vec<B256>,
    data: Bytes,
    block_number: Option<U64>,
    block_hash: Option<B256>,
    transaction_hash: Option<B256>,
    transaction_index: Option<U64>,
    log_index: Option<U64>,
    #[serde(default)]
    removed: bool,
}

/// The raw log, or what is missing (pending logs lack positions).
pub(crate) fn to_raw_log(log: RpcLog) -> Result<RawLog, String> {
    if log.removed {
        return Err(format!(
            "log {:?} of block {:?} is marked removed",
            log.log_index, log.block_hash
        ));
    }
    let missing = |field: &str| {
        format!(
            "log of {} at block {:?} lacks {field} (pending log?)",
            log.address, log.block_number
        )
    };
    let block_number = log.block_number.ok_or_else(|| missing("blockNumber"))?;
    let block_hash = log.block_hash.ok_or_else(|| missing("blockHash"))?;
    let log_index = log.log_index.ok_or_else(|| missing("logIndex"))?;
    let tx_hash = log
        .transaction_hash
        .ok_or_else(|| missing("transactionHash"))?;
    let tx_index = log
        .transaction_index
        .ok_or_else(|| missing("transactionIndex"))?;
    Ok(RawLog {
        block_number: block_number.to(),
        block_hash,
        tx_hash,
        tx_index: tx_index.to(),
        log_index: log_index.to(),
        address: log.address,
        topics: log.topics,
        data: log.data,
    })
}

/// Sorts logs by (block, log index) and drops duplicates.
pub(crate) fn sort_dedup(logs: &mut Vec<RawLog>) {
    logs.sort_by_key(RawLog::position);
    logs.dedup_by_key(|log| log.position());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(block: Option<u64>, index: Option<u64>) -> RpcLog {
        RpcLog {
            address: Address::repeat_byte(1),
            topics: vec![B256::repeat_byte(2)],
            data: Bytes::from(vec![3]),
            block_hash: Some(B256::repeat_byte(4)),
            block_number: block.map(U64::from),
            transaction_hash: Some(B256::repeat_byte(5)),
            transaction_index: Some(U64::from(6)),
            log_index: index.map(U64::from),
            removed: false,
        }
    }

    /// Real node answers parse field for field as alloy's own log type does,
    /// whatever extra fields the node adds (`transactionLogIndex`, `type`).
    #[test]
    fn parses_real_answers_like_alloy() {
        for name in [
            "eth_getFilterLogs_erc20_transfer_block483920_parity_era_mainnet.json",
            "eth_getLogs_block17053184_uniswapv2_swap_sync_DERIVED_from_receipts_mainnet.json",
        ] {
            let path = format!(
                "{}/../../../shared/fixtures/evm/{name}",
                env!("CARGO_MANIFEST_DIR")
            );
            let text = std::fs::read_to_string(&path).expect("fixture");
            let answer: serde_json::Value = serde_json::from_str(&text).expect("json");
            let result = answer["result"].clone();
            let ours: Vec<RpcLog> = serde_json::from_value(result.clone()).expect("ours");
            let alloys: Vec<alloy::rpc::types::Log> =
                serde_json::from_value(result).expect("alloy");
            assert!(!ours.is_empty(), "{name}");
            for (ours, theirs) in ours.into_iter().zip(alloys) {
                let raw = to_raw_log(ours).expect("complete");
                assert_eq!(raw.address, theirs.inner.address);
                assert_eq!(raw.topics, theirs.inner.data.topics());
                assert_eq!(raw.data, theirs.inner.data.data);
                assert_eq!(Some(raw.block_number), theirs.block_number);
                assert_eq!(Some(raw.block_hash), theirs.block_hash);
                assert_eq!(Some(raw.tx_hash), theirs.transaction_hash);
                assert_eq!(Some(raw.tx_index), theirs.transaction_index);
                assert_eq!(Some(raw.log_index), theirs.log_index);
            }
        }
    }

    #[test]
    fn removed_logs_are_errors() {
        let mut removed = log(Some(1), Some(1));
        removed.removed = true;
        assert!(
            to_raw_log(removed)
                .expect_err("removed")
                .contains("removed")
        );
    }

    #[test]
    fn converts_complete_logs() {
        let raw = to_raw_log(log(Some(7), Some(8))).expect("complete");
        assert_eq!(raw.position(), (7, 8));
        assert_eq!(raw.topics, vec![B256::repeat_byte(2)]);
        assert_eq!(raw.data, Bytes::from(vec![3]));
        assert_eq!(raw.tx_index, 6);
    }

    #[test]
    fn pending_logs_are_errors() {
        let err = to_raw_log(log(None, Some(1))).expect_err("pending");
        assert!(err.contains("blockNumber"), "{err}");
        assert!(
            to_raw_log(log(Some(1), None))
                .expect_err("pending")
                .contains("logIndex")
        );
    }

    #[test]
    fn headers_need_number_and_hash() {
        let json = r#"{"number":"0x10","hash":"0x1111111111111111111111111111111111111111111111111111111111111111","parentHash":"0x2222222222222222222222222222222222222222222222222222222222222222","timestamp":"0x5","extra":1}"#;
        let header: RpcHeader = serde_json::from_str(json).expect("parse");
        let header = header.to_header().expect("complete");
        assert_eq!((header.number, header.timestamp), (16, 5));
        let pending = r#"{"number":null,"hash":null,"parentHash":"0x2222222222222222222222222222222222222222222222222222222222222222","timestamp":"0x5"}"#;
        let pending: RpcHeader = serde_json::from_str(pending).expect("parse");
        assert!(pending.to_header().is_err());
    }

    #[test]
    fn sorts_and_dedups() {
        let a = to_raw_log(log(Some(2), Some(0))).expect("a");
        let b = to_raw_log(log(Some(1), Some(5))).expect("b");
        let mut logs = vec![a.clone(), b.clone(), a.clone()];
        sort_dedup(&mut logs);
        assert_eq!(logs, vec![b, a]);
    }
}
