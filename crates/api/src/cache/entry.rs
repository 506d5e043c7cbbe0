//! A cached answer: its JSON body without the block it was read at, and
//! what it depends on. Served, it gets the block the store is at *now*
//! (PRODUCT.md: a read reflects the latest committed block), which is only
//! allowed because validity was checked against exactly that block.

use axum::body::Bytes;
use serde_json::{Map, Value};
use tributary_store::read::BlockRef;

use super::shared::At;
use super::validity::{Dep, Scope, Validity};
use crate::model::BlockJson;

/// One cached answer.
#[derive(Debug)]
pub(crate) struct Entry {
    /// [`Validity::seq`] read before the answer's store read began.
    pub seq: u64,
    /// What it depends on.
    pub deps: Vec<Dep>,
    /// Whether it names `"blocks"` (every configured chain) or one `"block"`.
    pub multi: bool,
    /// The answer's JSON object without its `block`/`blocks` member.
    pub body: Bytes,
    /// The block(s) the answer was read at (its shared-cache key part).
    pub at: At,
}

impl Entry {
    /// The entry for a fresh answer `body`, or `None` when it cannot be cached
    /// (not a JSON object naming the block it reflects, or a null block).
    pub(crate) fn build(body: &[u8], seq: u64, scope: Scope, validity: &Validity) -> Option<Self> {
        let mut object: Map<String, Value> = serde_json::from_slice(body).ok()?;
        let (deps, multi, at) = if let Some(block) = object.remove("block") {
            let (chain_id, number, hash) = block_of(&block)?;
            let chain = validity.index(chain_id)?;
            (
                vec![Dep { chain, scope }],
                false,
                At::one(chain_id, number, hash),
            )
        } else if let Some(Value::Array(blocks)) = object.remove("blocks") {
            let blocks: Vec<_> = blocks.iter().map(block_of).collect::<Option<_>>()?;
            let deps = (0..validity.chain_ids().count())
                .map(|chain| Dep { chain, scope })
                .collect();
            let at = At::all(validity.chain_ids().map(|id| {
                let block = blocks
                    .iter()
                    .find(|b| b.0 == id)
                    .map(|&(_, number, hash)| (number, hash));
                (id, block)
            }));
            (deps, true, at)
        } else {
            return None;
        };
        let body = serde_json::to_vec(&object).ok()?;
        Some(Self {
            seq,
            deps,
            multi,
            body: Bytes::from(body),
            at,
        })
    }

    /// The body stamped with `now` (the store's cursors, configuration order).
    pub(crate) fn stamped(&self, now: &[Option<BlockRef>]) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.body.len() + 128);
        out.extend_from_slice(&self.body[..self.body.len() - 1]);
        if self.body.len() > 2 {
            out.push(b',');
        }
        let json = |b: &BlockRef| BlockJson::from(*b);
        // Serializing plain structs into a Vec cannot fail.
        if self.multi {
            out.extend_from_slice(b"\"blocks\":");
            let blocks: Vec<BlockJson> = now.iter().flatten().map(json).collect();
            let _ = serde_json::to_writer(&mut out, &blocks);
        } else {
            out.extend_from_slice(b"\"block\":");
            let block = now.get(self.deps[0].chain).copied().flatten();
            let _ = serde_json::to_writer(&mut out, &block.as_ref().map(json));
        }
        out.push(b'}');
        out
    }
}

/// (chain id, number, hash) of a block as answers write it.
fn block_of(block: &Value) -> Option<(u64, u64, &str)> {
    Some((
        block.get("chain_id")?.as_u64()?,
        block.get("number")?.as_u64()?,
        block.get("hash")?.as_str()?,
    ))
}

#[cfg(test)]
mod tests {
    use alloy_primitives::B256;
    use serde_json::json;

    use super::*;

    fn block(chain_id: u64, number: u64) -> Option<BlockRef> {
        Some(BlockRef {
            chain_id,
            number,
            hash: B256::repeat_byte(1),
            timestamp: 7,
        })
    }

    #[test]
    fn a_single_chain_answer_is_restamped_with_the_current_block() {
        let v = Validity::new(&[1, 56]);
        let body = json!({"items": [1], "block": {"chain_id": 56, "number": 3, "hash": "0x01"}, "next": null});
        let e = Entry::build(body.to_string().as_bytes(), 4, Scope::Chain, &v).expect("cacheable");
        assert_eq!(
            e.deps,
            [Dep {
                chain: 1,
                scope: Scope::Chain
            }]
        );
        let out: Value = serde_json::from_slice(&e.stamped(&[block(1, 9), block(56, 5)])).unwrap();
        assert_eq!(out["items"], json!([1]));
        assert_eq!(out["next"], Value::Null);
        assert_eq!(out["block"]["number"], 5);
        assert_eq!(out["block"]["chain_id"], 56);
    }

    #[test]
    fn a_multi_chain_answer_lists_every_indexed_chain() {
        let v = Validity::new(&[1, 56]);
        let body = json!({"blocks": []});
        let e = Entry::build(body.to_string().as_bytes(), 0, Scope::Chain, &v).expect("cacheable");
        assert_eq!(e.deps.len(), 2);
        let out: Value = serde_json::from_slice(&e.stamped(&[block(1, 9), None])).unwrap();
        assert_eq!(out["blocks"].as_array().map(Vec::len), Some(1));
        assert_eq!(out.as_object().map(Map::len), Some(1));
    }

    #[test]
    fn answers_without_a_block_are_not_cached() {
        let v = Validity::new(&[1]);
        for body in [json!({"chains": []}), json!({"block": null}), json!([1])] {
            assert!(Entry::build(body.to_string().as_bytes(), 0, Scope::Chain, &v).is_none());
        }
        let unknown_chain = json!({"block": {"chain_id": 5, "number": 1, "hash": "0x01"}});
        assert!(Entry::build(unknown_chain.to_string().as_bytes(), 0, Scope::Chain, &v).is_none());
    }
}
