//! Unit tests of [`EvmSource`] against scripted nodes: range splitting,
//! retries, failover, batching and consistency checks.

mod blocks;
mod bloom;
mod endpoints;
mod logs;

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use alloy::{
    eips::BlockId,
    primitives::{Address, B256, Bytes, U256},
    providers::{Provider, ProviderBuilder, mock::Asserter},
    rpc::json_rpc::ErrorPayload,
};
use futures::{StreamExt, TryStreamExt};
use serde_json::{Value, json};
use url::Url;

use crate::{
    BloomCheck, EvmSource, FetchPlan, HeaderMode, LogFilter, RpcErrorKind, RpcSettings,
    SourceError,
    test_node::{Reply, TestNode, closed_url},
};

fn settings(urls: Vec<Url>) -> RpcSettings {
    RpcSettings {
        max_retries: 3,
        request_timeout: Duration::from_secs(2),
        poll_interval: Duration::from_millis(20),
        backoff_base: Duration::from_millis(1),
        backoff_max: Duration::from_millis(5),
        ..RpcSettings::new(urls)
    }
}

async fn source(urls: Vec<Url>) -> EvmSource {
    EvmSource::connect(settings(urls)).await.expect("connect")
}

fn hash_of(n: u64) -> B256 {
    B256::from(U256::from(n + 0x1000))
}

fn header_json(n: u64) -> Value {
    json!({
        "number": format!("{n:#x}"),
        "hash": hash_of(n),
        "parentHash": if n == 0 { B256::ZERO } else { hash_of(n - 1) },
        "timestamp": format!("{:#x}", 1_700_000_000 + n * 12),
    })
}

fn log_json(block: u64, index: u64, address: Address) -> Value {
    json!({
        "address": address,
        "topics": [B256::repeat_byte(0xdd)],
        "data": "0x",
        "blockNumber": format!("{block:#x}"),
        "blockHash": hash_of(block),
        "transactionHash": B256::from(U256::from(block * 100 + index)),
        "transactionIndex": "0x0",
        "logIndex": format!("{index:#x}"),
        "removed": false,
    })
}

fn quantity(v: &Value) -> u64 {
    let s = v.as_str().unwrap_or_default().trim_start_matches("0x");
    u64::from_str_radix(s, 16).unwrap_or(u64::MAX)
}

/// (from, to) of an `eth_getLogs` params array.
fn range_of(params: &Value) -> (u64, u64) {
    (
        quantity(&params[0]["fromBlock"]),
        quantity(&params[0]["toBlock"]),
    )
}

/// One log per block of the requested range, at `address`.
fn logs_for(params: &Value, address: Address) -> Value {
    let (a, b) = range_of(params);
    Value::Array((a..=b).map(|n| log_json(n, 0, address)).collect())
}
