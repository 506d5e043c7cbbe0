//! `eth_call`, single and batched, pinned to a block (EIP-1898).

use alloy::{
    eips::BlockId,
    primitives::{Address, B256, Bytes},
    providers::Provider,
};
use serde_json::{Value, json};

use crate::{
    EvmSource,
    classify::classify,
    error::SourceError,
    rpc::{Endpoint, OnRangeError, batch},
};

const METHOD: &str = "eth_call";

/// The block parameter: an EIP-1898 object for hashes (understood by every
/// modern node, unlike a bare hash), the usual number or tag otherwise.
fn block_param(block: BlockId) -> Value {
    match block {
        BlockId::Hash(hash) => match hash.require_canonical {
            Some(canonical) => {
                json!({ "blockHash": hash.block_hash, "requireCanonical": canonical })
            }
            None => json!({ "blockHash": hash.block_hash }),
        },
        BlockId::Number(number) => json!(number),
    }
}

fn call_object(to: Address, data: &Bytes) -> Value {
    json!({ "to": to, "data": data })
}

impl EvmSource {
    /// `eth_call` of `data` on `to` at `block`; pass a block hash to pin the
    /// call to exactly that block.
    ///
    /// A revert is a non-retryable [`SourceError::Rpc`] of kind
    /// [`Reverted`](crate::RpcErrorKind::Reverted).
    pub async fn call(
        &self,
        to: Address,
        data: Bytes,
        block: BlockId,
    ) -> Result<Bytes, SourceError> {
        let params = (call_object(to, &data), block_param(block));
        let answer = self
            .endpoints()
            .request(
                METHOD,
                OnRangeError::Retry,
                |Endpoint { provider: p, .. }| {
                    let params = params.clone();
                    async move { p.client().request::<_, Bytes>(METHOD, params).await }
                },
            )
            .await?;
        Ok(answer.value)
    }

    /// Many `eth_call`s at the block with hash `block_hash`, sent as JSON-RPC
    /// batches of `batch_size`; one result per call, in order.
    ///
    /// A failure of a whole batch is repeated for each of its calls; a call
    /// that failed alone with a retryable error is retried on its own.
    pub async fn calls(
        &self,
        calls: Vec<(Address, Bytes)>,
        block_hash: B256,
    ) -> Vec<Result<Bytes, SourceError>> {
        let block = block_param(BlockId::hash(block_hash));
        let params: Vec<(Value, Value)> = calls
            .iter()
            .map(|(to, data)| (call_object(*to, data), block.clone()))
            .collect();
        let mut results = Vec::with_capacity(calls.len());
        let size = self.settings().batch_size.max(1);
        for (chunk, chunk_calls) in params.chunks(size).zip(calls.chunks(size)) {
            let answer = self
                .endpoints()
                .request(
                    METHOD,
                    OnRangeError::Retry,
                    |Endpoint { provider: p, .. }| batch::<_, Bytes>(p, METHOD, chunk),
                )
                .await;
            let answer = match answer {
                Ok(answer) => answer,
                Err(err) => {
                    results.extend(chunk.iter().map(|_| Err(err.clone())));
                    continue;
                }
            };
            for (item, (to, data)) in answer.value.into_iter().zip(chunk_calls) {
                let result = match item {
                    Ok(bytes) => Ok(bytes),
                    Err(err) => {
                        let c = classify(&err);
                        if c.kind.is_retryable() {
                            self.call(*to, data.clone(), BlockId::hash(block_hash))
                                .await
                        } else {
                            Err(SourceError::Rpc {
                                endpoint: answer.endpoint.to_string(),
                                method: METHOD,
                                kind: c.kind,
                                code: c.code,
                                message: c.message,
                                retry_after: c.retry_after,
                            })
                        }
                    }
                };
                results.push(result);
            }
        }
        results
    }
}

#[cfg(test)]
mod tests {
    use alloy::eips::BlockNumberOrTag;

    use super::*;

    #[test]
    fn block_params() {
        let hash = B256::repeat_byte(0xab);
        assert_eq!(
            block_param(BlockId::hash(hash)),
            json!({ "blockHash": hash })
        );
        assert_eq!(
            block_param(BlockId::hash_canonical(hash)),
            json!({ "blockHash": hash, "requireCanonical": true })
        );
        assert_eq!(
            block_param(BlockId::Number(BlockNumberOrTag::Number(16))),
            json!("0x10")
        );
        assert_eq!(block_param(BlockId::latest()), json!("latest"));
    }
}
