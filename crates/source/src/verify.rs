//! Checks of an `eth_getLogs` answer against the block headers of its range:
//! block hashes must match, and a block whose `logsBloom` promises a wanted
//! log must not come back empty.
//!
//! A bloom can match by chance (it is a Bloom filter), so a promised-but-empty
//! block is fetched again rather than rejected; only when the re-fetches agree
//! that it is empty is it taken for a false positive.

use alloy::primitives::{Bloom, BloomInput};
use tributary_types::{BlockHeader, RawLog};

use crate::{EvmSource, convert::sort_dedup, error::SourceError, logs::LogFilter};

/// Above this many addresses the chance that a busy block's bloom matches one
/// of them by accident is so high that the check would re-fetch most blocks.
const MAX_BLOOM_ADDRESSES: usize = 256;
/// How many times the span of suspicious blocks is fetched again before a
/// still-empty block is taken for a bloom false positive. A node that drops
/// a block's logs at random in a fraction p of its answers slips one past
/// with probability p^REFETCHES: with 3 the chaos suite's p = 0.3 endpoint
/// got through about once in 40 suspicious blocks; with 8, once in 15,000.
/// Re-fetches only happen for suspicious blocks (rare on an honest node), so
/// the extra rounds cost nothing in normal operation.
pub(crate) const REFETCHES: u32 = 8;

/// Counts an inconsistent answer of kind `kind` (`block_hash`, `gap`,
/// `bloom`, `headers`).
pub(crate) fn count_inconsistent(kind: &'static str) {
    metrics::counter!("tributary_rpc_inconsistent_total", "kind" => kind).increment(1);
}

/// Whether `bloom` says the block may hold a log that `filter` wants.
fn bloom_wants(bloom: &Bloom, filter: &LogFilter) -> bool {
    if *bloom == Bloom::ZERO {
        return false;
    }
    let has = |bytes: &[u8]| bloom.contains_input(BloomInput::Raw(bytes));
    (filter.addresses.is_empty() || filter.addresses.iter().any(|a| has(a.as_slice())))
        && (filter.topics0.is_empty() || filter.topics0.iter().any(|t| has(t.as_slice())))
}

/// Blocks whose bloom promises a wanted log while `logs` (sorted) holds none
/// of theirs. Empty when the filter is too wide for blooms to mean anything.
pub(crate) fn suspicious_blocks(
    filter: &LogFilter,
    logs: &[RawLog],
    headers: &[(BlockHeader, Option<Bloom>)],
) -> Vec<u64> {
    if filter.addresses.len() > MAX_BLOOM_ADDRESSES {
        return Vec::new();
    }
    headers
        .iter()
        .filter(|(h, bloom)| {
            bloom.as_ref().is_some_and(|b| bloom_wants(b, filter))
                && logs
                    .binary_search_by_key(&h.number, |l| l.block_number)
                    .is_err()
        })
        .map(|(h, _)| h.number)
        .collect()
}

impl EvmSource {
    /// Checks that each log's block hash is its header's (`headers`: every
    /// block of the range in order, or just some of them).
    pub(crate) fn check_block_hashes(
        &self,
        logs: &[RawLog],
        headers: &[BlockHeader],
    ) -> Result<(), SourceError> {
        let Some(first) = headers.first().map(|h| h.number) else {
            return Ok(());
        };
        for log in logs {
            let Some(header) = log
                .block_number
                .checked_sub(first)
                .and_then(|i| headers.get(usize::try_from(i).ok()?))
                .filter(|h| h.number == log.block_number)
            else {
                continue;
            };
            if header.hash != log.block_hash {
                count_inconsistent("block_hash");
                return Err(self.inconsistent(
                    "eth_getLogs",
                    format!(
                        "log {} of block {} has block hash {}, the block's header has {}",
                        log.log_index, log.block_number, log.block_hash, header.hash
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Fetches again, from the next endpoint, the blocks whose bloom promises
    /// logs the answer lacks, and adds what they hold. A block still empty
    /// after every re-fetch is a bloom false positive.
    pub(crate) async fn recover_dropped(
        &self,
        filter: &LogFilter,
        mut logs: Vec<RawLog>,
        headers: &[(BlockHeader, Option<Bloom>)],
    ) -> Result<Vec<RawLog>, SourceError> {
        let mut suspects = suspicious_blocks(filter, &logs, headers);
        let mut round = 0;
        while let (Some(&first), Some(&last)) = (suspects.first(), suspects.last()) {
            if round == REFETCHES {
                for block in &suspects {
                    tracing::debug!(block, "logsBloom matched but no log: bloom false positive");
                }
                metrics::counter!("tributary_rpc_bloom_false_positives_total")
                    .increment(suspects.len() as u64);
                break;
            }
            round += 1;
            self.endpoints().avoid_current();
            let last_returned = logs.last().map(|l| l.block_number);
            let again = self.logs(first, last, filter).await?;
            let recovered: Vec<u64> = suspects
                .iter()
                .copied()
                .filter(|b| again.binary_search_by_key(b, |l| l.block_number).is_ok())
                .collect();
            for block in &recovered {
                // Missing blocks after the last log returned: a truncated
                // answer (gap); between returned logs: dropped logs.
                let kind = if last_returned.is_none_or(|l| *block > l) {
                    "gap"
                } else {
                    "bloom"
                };
                count_inconsistent(kind);
                tracing::warn!(
                    block,
                    kind,
                    "eth_getLogs answer lacked the logs of a block its logsBloom promises; re-fetched them"
                );
            }
            logs.extend(
                again
                    .into_iter()
                    .filter(|l| recovered.binary_search(&l.block_number).is_ok()),
            );
            sort_dedup(&mut logs);
            suspects.retain(|b| recovered.binary_search(b).is_err());
        }
        Ok(logs)
    }
}

#[cfg(test)]
mod tests {
    use alloy::primitives::{Address, B256};

    use super::*;

    fn header(n: u64) -> BlockHeader {
        BlockHeader {
            number: n,
            hash: B256::with_last_byte(n as u8),
            parent_hash: B256::ZERO,
            timestamp: n,
        }
    }

    fn bloom_of(address: Address, topic: B256) -> Bloom {
        let mut b = Bloom::ZERO;
        b.accrue_raw_log(address, &[topic]);
        b
    }

    #[test]
    fn flags_blocks_whose_bloom_promises_a_missing_log() {
        let (a, t) = (Address::repeat_byte(1), B256::repeat_byte(2));
        let filter = LogFilter {
            addresses: vec![a],
            topics0: vec![t],
        };
        let other = bloom_of(Address::repeat_byte(9), B256::repeat_byte(8));
        let headers = vec![
            (header(1), Some(bloom_of(a, t))),
            (header(2), Some(other)),
            (header(3), None),
            (header(4), Some(bloom_of(a, t))),
            (header(5), Some(Bloom::ZERO)),
        ];
        let log = RawLog {
            block_number: 4,
            block_hash: header(4).hash,
            tx_hash: B256::ZERO,
            tx_index: 0,
            log_index: 0,
            address: a,
            topics: vec![t],
            data: Default::default(),
        };
        assert_eq!(suspicious_blocks(&filter, &[log], &headers), vec![1]);
        // Address alone in the bloom is not enough: the topic must be there too.
        let wrong_topic = LogFilter {
            addresses: vec![a],
            topics0: vec![B256::repeat_byte(3)],
        };
        assert!(suspicious_blocks(&wrong_topic, &[], &headers[..1]).is_empty());
        // Any-address filters check the topic only.
        let any = LogFilter {
            addresses: vec![],
            topics0: vec![t],
        };
        assert_eq!(suspicious_blocks(&any, &[], &headers), vec![1, 4]);
    }
}
