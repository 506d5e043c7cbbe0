//! Conversion of node answers into tributary's shared types.
//!
//! Headers are read through a minimal wire struct rather than alloy's full
//! block type, so chains whose blocks lack or add Ethereum fields still work.

use alloy::{
    primitives::{B256, Bloom, U64},
    rpc::types::Log,
};
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

/// The raw log, or what is missing (pending logs lack positions).
pub(crate) fn to_raw_log(log: Log) -> Result<RawLog, String> {
    if log.removed {
        return Err(format!(
            "log {:?} of block {:?} is marked removed",
            log.log_index, log.block_hash
        ));
    }
    let missing = |field: &str| {
        format!(
            "log of {} at block {:?} lacks {field} (pending log?)",
            log.inner.address, log.block_number
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
    let (topics, data) = log.inner.data.split();
    Ok(RawLog {
        block_number,
        block_hash,
        tx_hash,
        tx_index,
        log_index,
        address: log.inner.address,
        topics,
        data,
    })
}

/// Sorts logs by (block, log index) and drops duplicates.
pub(crate) fn sort_dedup(logs: &mut Vec<RawLog>) {
    logs.sort_by_key(RawLog::position);
    logs.dedup_by_key(|log| log.position());
}

#[cfg(test)]
mod tests {
    use alloy::primitives::{Address, Bytes, LogData};

    use super::*;

    fn log(block: Option<u64>, index: Option<u64>) -> Log {
        Log {
            inner: alloy::primitives::Log {
                address: Address::repeat_byte(1),
                data: LogData::new_unchecked(vec![B256::repeat_byte(2)], Bytes::from(vec![3])),
            },
            block_hash: Some(B256::repeat_byte(4)),
            block_number: block,
            block_timestamp: None,
            transaction_hash: Some(B256::repeat_byte(5)),
            transaction_index: Some(6),
            log_index: index,
            removed: false,
        }
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
