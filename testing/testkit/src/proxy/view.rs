//! What the proxy shows of the chain beyond random faults: a head held back
//! (the same chain, an old head), a node still syncing (nothing above its
//! current block), and log indexes shifted past 2^31. Applied per JSON-RPC
//! item, so batches are rewritten item by item too.

use serde_json::{Value, json};

/// The head the proxy reports, set with
/// [`RpcProxy::set_head_view`](super::RpcProxy::set_head_view).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HeadView {
    /// The node's own head.
    #[default]
    Live,
    /// `eth_blockNumber` and the `latest` block answer block `n` (an older
    /// head of the same chain, as a lagging replica behind a load balancer
    /// serves); blocks above it are still served by number.
    Behind(u64),
    /// A node still syncing: its head is `current`, it has nothing above it
    /// (headers `null`, no logs, calls fail with "header not found"), and
    /// `eth_syncing` reports `current` of `highest`.
    Syncing {
        /// The block the node has reached.
        current: u64,
        /// The block it says the network is at.
        highest: u64,
    },
}

impl HeadView {
    /// The head this view holds, if any.
    fn held(self) -> Option<u64> {
        match self {
            Self::Live => None,
            Self::Behind(n) => Some(n),
            Self::Syncing { current, .. } => Some(current),
        }
    }

    /// Highest block the node admits to having (`None`: all of them).
    pub(super) fn ceiling(self) -> Option<u64> {
        match self {
            Self::Syncing { current, .. } => Some(current),
            _ => None,
        }
    }
}

/// What to do with one JSON-RPC request item.
pub(super) enum Rewrite {
    /// Answer it here with this whole response object.
    Answer(Value),
    /// Forward this (possibly changed) request upstream.
    Forward(Value),
}

fn hex(n: u64) -> Value {
    Value::String(format!("0x{n:x}"))
}

/// A `0x`-hex quantity.
pub(super) fn parse_hex(v: &Value) -> Option<u64> {
    u64::from_str_radix(v.as_str()?.strip_prefix("0x")?, 16).ok()
}

fn result(item: &Value, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": item["id"], "result": result})
}

fn is_head_tag(v: &Value) -> bool {
    matches!(
        v.as_str(),
        Some("latest" | "pending" | "safe" | "finalized")
    )
}

/// How `view` changes the request `item`; the bool says whether it was
/// changed (a fault to count).
pub(super) fn rewrite(view: HeadView, item: &Value) -> (Rewrite, bool) {
    let Some(held) = view.held() else {
        return (Rewrite::Forward(item.clone()), false);
    };
    let method = item["method"].as_str().unwrap_or("");
    match method {
        "eth_blockNumber" => (Rewrite::Answer(result(item, hex(held))), true),
        "eth_syncing" => match view {
            HeadView::Syncing { current, highest } => {
                let progress = json!({"startingBlock": "0x0", "currentBlock": hex(current),
                    "highestBlock": hex(highest)});
                (Rewrite::Answer(result(item, progress)), true)
            }
            _ => (Rewrite::Forward(item.clone()), false),
        },
        "eth_getBlockByNumber" => {
            let tag = &item["params"][0];
            if is_head_tag(tag) {
                let mut item = item.clone();
                item["params"][0] = hex(held);
                return (Rewrite::Forward(item), true);
            }
            match (view.ceiling(), parse_hex(tag)) {
                (Some(top), Some(n)) if n > top => {
                    (Rewrite::Answer(result(item, Value::Null)), true)
                }
                _ => (Rewrite::Forward(item.clone()), false),
            }
        }
        "eth_call" => {
            let block = &item["params"][1];
            let number = parse_hex(block).or_else(|| parse_hex(&block["blockNumber"]));
            match (view.ceiling(), number) {
                (Some(top), Some(n)) if n > top => {
                    let err = json!({"jsonrpc": "2.0", "id": item["id"],
                        "error": {"code": -32000, "message": "header not found"}});
                    (Rewrite::Answer(err), true)
                }
                _ if is_head_tag(block) => {
                    let mut item = item.clone();
                    item["params"][1] = hex(held);
                    (Rewrite::Forward(item), true)
                }
                _ => (Rewrite::Forward(item.clone()), false),
            }
        }
        _ => (Rewrite::Forward(item.clone()), false),
    }
}

/// Removes from an `eth_getLogs` answer the logs above `top` (a syncing
/// node has not got them); whether any went.
pub(super) fn hide_logs_above(answer: &mut Value, top: u64) -> bool {
    let Some(logs) = answer.get_mut("result").and_then(Value::as_array_mut) else {
        return false;
    };
    let before = logs.len();
    logs.retain(|l| parse_hex(&l["blockNumber"]).is_none_or(|n| n <= top));
    logs.len() != before
}

/// Adds `offset` to every `logIndex` anywhere in `value` (logs, receipts'
/// logs, blocks with receipts); how many it changed.
pub(super) fn shift_log_indexes(value: &mut Value, offset: u64) -> u64 {
    match value {
        Value::Object(map) => {
            let mut n = 0;
            for (key, v) in map.iter_mut() {
                if key == "logIndex"
                    && let Some(i) = parse_hex(v)
                {
                    *v = hex(i.saturating_add(offset));
                    n += 1;
                } else {
                    n += shift_log_indexes(v, offset);
                }
            }
            n
        }
        Value::Array(items) => items.iter_mut().map(|v| shift_log_indexes(v, offset)).sum(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syncing_hides_blocks_above_and_reports_progress() {
        let view = HeadView::Syncing {
            current: 5,
            highest: 100,
        };
        let above = json!({"id": 1, "method": "eth_getBlockByNumber", "params": ["0x6", false]});
        let (Rewrite::Answer(a), true) = rewrite(view, &above) else {
            panic!("block above the ceiling must be answered null here");
        };
        assert_eq!(a["result"], Value::Null);
        let sync = json!({"id": 2, "method": "eth_syncing", "params": []});
        let (Rewrite::Answer(a), true) = rewrite(view, &sync) else {
            panic!("eth_syncing answered here");
        };
        assert_eq!(a["result"]["highestBlock"], "0x64");
        let latest =
            json!({"id": 3, "method": "eth_getBlockByNumber", "params": ["latest", false]});
        let (Rewrite::Forward(f), true) = rewrite(view, &latest) else {
            panic!("latest is forwarded as the held block");
        };
        assert_eq!(f["params"][0], "0x5");
        let mut logs = json!({"result": [{"blockNumber": "0x5"}, {"blockNumber": "0x6"}]});
        assert!(hide_logs_above(&mut logs, 5));
        assert_eq!(logs["result"].as_array().map(Vec::len), Some(1));
    }

    #[test]
    fn log_indexes_shift_everywhere() {
        let mut v = json!({"result": [{"logIndex": "0x1"}, {"logs": [{"logIndex": "0x0"}]}]});
        assert_eq!(shift_log_indexes(&mut v, 1 << 31), 2);
        assert_eq!(v["result"][0]["logIndex"], "0x80000001");
        assert_eq!(v["result"][1]["logs"][0]["logIndex"], "0x80000000");
    }
}
