//! `eth_getLogs` with range splitting and address chunking.

use std::collections::VecDeque;

use alloy::{
    primitives::{Address, B256},
    providers::Provider,
    rpc::types::Filter,
};
use tributary_types::RawLog;

use crate::{
    EvmSource,
    classify::suggested_range,
    convert::{RpcLog, sort_dedup, to_raw_log},
    error::{RpcErrorKind, SourceError},
    rpc::OnRangeError,
};

const METHOD: &str = "eth_getLogs";

/// Which logs to fetch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    /// Emitting contracts; empty means any address.
    pub addresses: Vec<Address>,
    /// Accepted event selectors (`topics[0]`); empty means any.
    pub topics0: Vec<B256>,
}

impl LogFilter {
    /// Whether `log` passes this filter.
    pub fn matches(&self, log: &RawLog) -> bool {
        (self.addresses.is_empty() || self.addresses.contains(&log.address))
            && (self.topics0.is_empty() || log.topic0().is_some_and(|t| self.topics0.contains(&t)))
    }
}

/// What fetching one range cost, for the adaptive range size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct LogStats {
    /// How many times a range had to be split.
    pub splits: u32,
}

/// Where to split `[from, to]` (`from < to`): at the end of the range the
/// provider suggested when it starts at `from`, else in the middle.
fn split_point(from: u64, to: u64, message: &str) -> u64 {
    match suggested_range(message) {
        Some((start, end)) if start == from && end >= from && end < to => end,
        _ => from + (to - from) / 2,
    }
}

fn build_filter(from: u64, to: u64, addresses: Option<&[Address]>, topics0: &[B256]) -> Filter {
    let mut filter = Filter::new().from_block(from).to_block(to);
    if let Some(addresses) = addresses {
        filter = filter.address(addresses.to_vec());
    }
    if !topics0.is_empty() {
        filter = filter.event_signature(topics0.to_vec());
    }
    filter
}

impl EvmSource {
    /// Every log in `[from, to]` that passes `filter`, sorted by
    /// (block, log index) without duplicates.
    ///
    /// Ranges the provider refuses as too large (or that time out) are split
    /// in halves, or where the provider suggests, until they pass; address
    /// lists longer than `max_addresses_per_request` take several requests.
    pub async fn logs(
        &self,
        from: u64,
        to: u64,
        filter: &LogFilter,
    ) -> Result<Vec<RawLog>, SourceError> {
        self.logs_with_stats(from, to, filter)
            .await
            .map(|(logs, _)| logs)
    }

    pub(crate) async fn logs_with_stats(
        &self,
        from: u64,
        to: u64,
        filter: &LogFilter,
    ) -> Result<(Vec<RawLog>, LogStats), SourceError> {
        let mut stats = LogStats::default();
        let mut out = Vec::new();
        if from > to {
            return Ok((out, stats));
        }
        if filter.addresses.is_empty() {
            self.logs_split(from, to, None, &filter.topics0, &mut stats, &mut out)
                .await?;
        } else {
            let size = self.settings().max_addresses_per_request.max(1);
            for chunk in filter.addresses.chunks(size) {
                self.logs_split(from, to, Some(chunk), &filter.topics0, &mut stats, &mut out)
                    .await?;
            }
        }
        sort_dedup(&mut out);
        Ok((out, stats))
    }

    async fn logs_split(
        &self,
        from: u64,
        to: u64,
        addresses: Option<&[Address]>,
        topics0: &[B256],
        stats: &mut LogStats,
        out: &mut Vec<RawLog>,
    ) -> Result<(), SourceError> {
        let mut pending = VecDeque::from([(from, to)]);
        while let Some((a, b)) = pending.pop_front() {
            let filter = build_filter(a, b, addresses, topics0);
            let on_range = if a < b {
                OnRangeError::Return
            } else {
                OnRangeError::Retry
            };
            let result = self
                .endpoints()
                .request(METHOD, on_range, |endpoint| {
                    let filter = &filter;
                    async move {
                        match endpoint.http {
                            Some(http) => http.call::<_, Vec<RpcLog>>(METHOD, (filter,)).await,
                            None => {
                                endpoint
                                    .provider
                                    .client()
                                    .request::<_, Vec<RpcLog>>(METHOD, (filter,))
                                    .await
                            }
                        }
                    }
                })
                .await;
            match result {
                Ok(answer) => {
                    for log in answer.value {
                        let log = to_raw_log(log).map_err(|detail| SourceError::Inconsistent {
                            endpoint: answer.endpoint.to_string(),
                            method: METHOD,
                            detail,
                        })?;
                        if log.block_number < a || log.block_number > b {
                            return Err(SourceError::Inconsistent {
                                endpoint: answer.endpoint.to_string(),
                                method: METHOD,
                                detail: format!(
                                    "asked for blocks {a}..={b}, got a log of block {}",
                                    log.block_number
                                ),
                            });
                        }
                        out.push(log);
                    }
                }
                Err(SourceError::Rpc {
                    kind: RpcErrorKind::RangeTooLarge | RpcErrorKind::Timeout,
                    message,
                    endpoint,
                    ..
                }) if a < b => {
                    let mid = split_point(a, b, &message);
                    tracing::debug!(%endpoint, from = a, to = b, mid, %message, "splitting eth_getLogs range");
                    stats.splits += 1;
                    pending.push_front((mid + 1, b));
                    pending.push_front((a, mid));
                }
                Err(err) => return Err(err),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_points() {
        assert_eq!(split_point(0, 9, "too many"), 4);
        assert_eq!(split_point(0, 1, "too many"), 0);
        assert_eq!(split_point(16, 100, "try [0x10, 0x14]"), 0x14);
        // Suggestions that do not start at `from` or do not shrink are ignored.
        assert_eq!(split_point(16, 100, "try [0x11, 0x14]"), 58);
        assert_eq!(split_point(16, 100, "try [0x10, 0x64]"), 58);
    }

    #[test]
    fn filter_matching() {
        let log = RawLog {
            block_number: 1,
            block_hash: B256::ZERO,
            tx_hash: B256::ZERO,
            tx_index: 0,
            log_index: 0,
            address: Address::repeat_byte(1),
            topics: vec![B256::repeat_byte(9)],
            data: Default::default(),
        };
        assert!(LogFilter::default().matches(&log));
        let by_address = LogFilter {
            addresses: vec![Address::repeat_byte(2)],
            topics0: vec![],
        };
        assert!(!by_address.matches(&log));
        let by_topic = LogFilter {
            addresses: vec![],
            topics0: vec![B256::repeat_byte(9)],
        };
        assert!(by_topic.matches(&log));
    }
}
