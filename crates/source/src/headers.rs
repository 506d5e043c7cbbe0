//! Block headers: the latest, one by number, and ranges in JSON-RPC batches.

use alloy::{eips::BlockNumberOrTag, primitives::Bloom, providers::Provider};
use futures::{StreamExt, TryStreamExt, stream};
use tributary_types::BlockHeader;

use crate::{
    EvmSource,
    convert::RpcHeader,
    error::SourceError,
    rpc::{Endpoint, OnRangeError, batch},
};

const METHOD: &str = "eth_getBlockByNumber";

/// A header with its `logsBloom` (absent on chains without one).
pub(crate) type WithBloom = (BlockHeader, Option<Bloom>);

fn inconsistent(endpoint: &str, detail: String) -> SourceError {
    SourceError::Inconsistent {
        endpoint: endpoint.to_owned(),
        method: METHOD,
        detail,
    }
}

/// Checks that `headers` are consecutive and link by parent hash.
pub(crate) fn check_chain(endpoint: &str, headers: &[BlockHeader]) -> Result<(), SourceError> {
    for pair in headers.windows(2) {
        if !pair[0].is_parent_of(&pair[1]) {
            crate::verify::count_inconsistent("headers");
            return Err(inconsistent(
                endpoint,
                format!(
                    "block {} ({}) does not link to block {} ({}): its parent hash is {}",
                    pair[1].number, pair[1].hash, pair[0].number, pair[0].hash, pair[1].parent_hash
                ),
            ));
        }
    }
    Ok(())
}

impl EvmSource {
    /// The header of the latest block.
    pub async fn latest_header(&self) -> Result<BlockHeader, SourceError> {
        let answer = self
            .endpoints()
            .request(
                METHOD,
                OnRangeError::Retry,
                |Endpoint { provider: p, .. }| async move {
                    p.client()
                        .request::<_, Option<RpcHeader>>(METHOD, (BlockNumberOrTag::Latest, false))
                        .await
                },
            )
            .await?;
        let header = answer
            .value
            .ok_or_else(|| inconsistent(&answer.endpoint, "no latest block".to_owned()))?;
        header
            .to_header()
            .map_err(|d| inconsistent(&answer.endpoint, d))
    }

    /// The header of block `number`, or `None` when the node does not have
    /// it (yet).
    pub async fn header(&self, number: u64) -> Result<Option<BlockHeader>, SourceError> {
        let answer = self
            .endpoints()
            .request(
                METHOD,
                OnRangeError::Retry,
                |Endpoint { provider: p, .. }| async move {
                    p.client()
                        .request::<_, Option<RpcHeader>>(
                            METHOD,
                            (BlockNumberOrTag::Number(number), false),
                        )
                        .await
                },
            )
            .await?;
        let Some(header) = answer.value else {
            return Ok(None);
        };
        let header = header
            .to_header()
            .map_err(|d| inconsistent(&answer.endpoint, d))?;
        if header.number != number {
            return Err(inconsistent(
                &answer.endpoint,
                format!("asked for block {number}, got block {}", header.number),
            ));
        }
        Ok(Some(header))
    }

    /// Every header in `[from, to]`, in order, fetched in JSON-RPC batches of
    /// `batch_size` (up to `concurrency` batches at once).
    ///
    /// A missing block or headers that do not link by parent hash are an
    /// [`SourceError::Inconsistent`] error.
    pub async fn headers(&self, from: u64, to: u64) -> Result<Vec<BlockHeader>, SourceError> {
        let with_blooms = self.headers_with_blooms(from, to).await?;
        Ok(with_blooms.into_iter().map(|(h, _)| h).collect())
    }

    /// [`EvmSource::headers`] with each block's `logsBloom` (when the node
    /// sends one), for the dropped-log check.
    pub(crate) async fn headers_with_blooms(
        &self,
        from: u64,
        to: u64,
    ) -> Result<Vec<WithBloom>, SourceError> {
        if from > to {
            return Ok(Vec::new());
        }
        let size = self.settings().batch_size.max(1) as u64;
        let chunks = (0..=(to - from) / size).map(move |i| {
            let start = from + i * size;
            (start, to.min(start.saturating_add(size - 1)))
        });
        let parts: Vec<(String, Vec<WithBloom>)> = stream::iter(chunks)
            .map(|(a, b)| self.header_chunk(a, b))
            .buffered(self.settings().concurrency.max(1))
            .try_collect()
            .await?;
        let mut headers = Vec::with_capacity((to - from).saturating_add(1).try_into().unwrap_or(0));
        let mut blooms = Vec::with_capacity(headers.capacity());
        let mut endpoint = String::new();
        for (label, part) in parts {
            for (header, bloom) in part {
                headers.push(header);
                blooms.push(bloom);
            }
            endpoint = label;
        }
        check_chain(&endpoint, &headers)?;
        Ok(headers.into_iter().zip(blooms).collect())
    }

    /// One batch: the headers of `[from, to]`, each checked to be present and
    /// at the height asked for.
    async fn header_chunk(
        &self,
        from: u64,
        to: u64,
    ) -> Result<(String, Vec<WithBloom>), SourceError> {
        let params: Vec<(BlockNumberOrTag, bool)> = (from..=to)
            .map(|n| (BlockNumberOrTag::Number(n), false))
            .collect();
        let answer = self
            .endpoints()
            .request(
                METHOD,
                OnRangeError::Retry,
                |Endpoint { provider: p, .. }| {
                    let params = &params;
                    async move {
                        batch::<_, Option<RpcHeader>>(p, METHOD, params)
                            .await?
                            .into_iter()
                            .collect::<Result<Vec<_>, _>>()
                    }
                },
            )
            .await?;
        let endpoint = answer.endpoint.to_string();
        let mut out = Vec::with_capacity(params.len());
        for (number, item) in (from..=to).zip(answer.value) {
            let rpc =
                item.ok_or_else(|| inconsistent(&endpoint, format!("block {number} is missing")))?;
            let header = rpc.to_header().map_err(|d| inconsistent(&endpoint, d))?;
            if header.number != number {
                return Err(inconsistent(
                    &endpoint,
                    format!("asked for block {number}, got block {}", header.number),
                ));
            }
            out.push((header, rpc.bloom()));
        }
        if out.len() != params.len() {
            return Err(inconsistent(
                &endpoint,
                format!("asked for {} blocks, got {}", params.len(), out.len()),
            ));
        }
        Ok((endpoint, out))
    }
}
