//! JSON-RPC over HTTP with each answer parsed once, for `eth_getLogs`.
//!
//! alloy's HTTP transport reads every answer into a raw JSON value first
//! (scanning and copying the whole body), and the caller's type is then
//! parsed from that copy. Log answers are most of a backfill's bytes, and
//! that first pass was about a tenth of the indexer's CPU. Here the request
//! is still alloy's JSON-RPC [`Request`] and the answer alloy's
//! [`Response`], deserialized straight from the body. Failures become the
//! same [`TransportError`]s alloy's transport returns (an error object, an
//! HTTP status with its `Retry-After`, an unreadable body), so classifying,
//! retrying and failing over do not change.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use alloy::rpc::json_rpc::{Id, Request, Response, ResponsePayload, RpcSend};
use alloy::transports::http::reqwest;
use alloy::transports::{TransportError, TransportErrorKind, TransportResult};
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use url::Url;

/// One HTTP endpoint, called without alloy's transport.
#[derive(Debug, Clone)]
pub(crate) struct HttpEndpoint {
    client: reqwest::Client,
    url: Url,
    next_id: Arc<AtomicU64>,
}

impl HttpEndpoint {
    /// An endpoint for `url`, if it is an HTTP(S) URL.
    pub fn new(url: &Url) -> Option<Self> {
        matches!(url.scheme(), "http" | "https").then(|| Self {
            client: reqwest::Client::new(),
            url: url.clone(),
            next_id: Arc::new(AtomicU64::new(1)),
        })
    }

    /// Calls `method` with `params` and parses the result as `R` in one pass.
    pub async fn call<P, R>(&self, method: &'static str, params: P) -> TransportResult<R>
    where
        P: RpcSend,
        R: DeserializeOwned,
    {
        let id = Id::Number(self.next_id.fetch_add(1, Ordering::Relaxed));
        let request = Request::new(method, id, params);
        let resp = self
            .client
            .post(self.url.clone())
            .json(&request)
            .send()
            .await
            .map_err(TransportErrorKind::custom)?;
        let status = resp.status();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse().ok())
            .map(Duration::from_secs);
        let body = match resp.bytes().await {
            Ok(body) => body,
            Err(err) if !status.is_success() => {
                return Err(TransportErrorKind::http_error_with_retry_after(
                    status.as_u16(),
                    format!("<failed to read response body: {err}>"),
                    retry_after,
                ));
            }
            Err(err) => return Err(TransportErrorKind::custom(err)),
        };
        if !status.is_success() {
            // Some servers send a JSON-RPC error object with a 4xx or 5xx.
            if let Ok(Response {
                payload: ResponsePayload::Failure(error),
                ..
            }) = serde_json::from_slice::<Response<Box<RawValue>, Box<RawValue>>>(&body)
            {
                return Err(TransportError::ErrorResp(error));
            }
            return Err(TransportErrorKind::http_error_with_retry_after(
                status.as_u16(),
                String::from_utf8_lossy(&body).into_owned(),
                retry_after,
            ));
        }
        match serde_json::from_slice::<Response<R, Box<RawValue>>>(&body) {
            Ok(Response {
                payload: ResponsePayload::Success(value),
                ..
            }) => Ok(value),
            Ok(Response {
                payload: ResponsePayload::Failure(error),
                ..
            }) => Err(TransportError::ErrorResp(error)),
            Err(err) => Err(TransportError::deser_err(
                err,
                String::from_utf8_lossy(&body),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use alloy::providers::{Provider, ProviderBuilder};
    use alloy::rpc::types::Filter;
    use serde_json::{Value, json};

    use super::*;
    use crate::classify::classify;
    use crate::convert::{RpcLog, to_raw_log};
    use crate::test_node::{Reply, TestNode};

    /// How the scripted node answers a request body.
    type Answer = Box<dyn Fn(&Value) -> Reply + Send + Sync>;

    fn log_json(index: u64) -> Value {
        json!({
            "address": "0x00000000000000000000000000000000000000aa",
            "topics": [format!("0x{:064x}", 7), format!("0x{:064x}", index)],
            "data": "0x00ff",
            "blockNumber": "0x10",
            "blockHash": format!("0x{:064x}", 16),
            "transactionHash": format!("0x{:064x}", 99),
            "transactionIndex": "0x0",
            "logIndex": format!("{index:#x}"),
            "removed": false
        })
    }

    /// Every kind of answer gives what alloy's transport gives: the same
    /// logs, or an error classified the same (kind and code), so retries,
    /// range splits and failover cannot tell the two apart.
    #[tokio::test]
    async fn answers_and_failures_match_alloys_transport() {
        let rpc_error = |id: &Value, code: i64, message: &str| json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}});
        let cases: Vec<(&str, Answer)> = vec![
            (
                "logs",
                Box::new(|b| {
                    Reply::Json(
                        json!({"jsonrpc": "2.0", "id": b["id"], "result": [log_json(1), log_json(2)]}),
                    )
                }),
            ),
            (
                "error object",
                Box::new(move |b| {
                    Reply::Json(rpc_error(
                        &b["id"],
                        -32005,
                        "query returned more than 10000 results",
                    ))
                }),
            ),
            (
                "error object with HTTP 500",
                Box::new(move |b| {
                    Reply::Status(
                        500,
                        rpc_error(&b["id"], -32000, "header not found").to_string(),
                    )
                }),
            ),
            (
                "HTTP 429",
                Box::new(|_| Reply::Status(429, "slow down".into())),
            ),
            (
                "HTTP 400 range",
                Box::new(|_| Reply::Status(400, "block range too large".into())),
            ),
            (
                "not JSON",
                Box::new(|_| Reply::Status(200, "<html>".into())),
            ),
            (
                "wrong shape",
                Box::new(|b| Reply::Json(json!({"jsonrpc": "2.0", "id": b["id"], "result": 5}))),
            ),
        ];
        let filter = Filter::new().from_block(1).to_block(2);
        for (what, reply) in cases {
            let node = TestNode::start(reply).await;
            let provider = ProviderBuilder::new()
                .disable_recommended_fillers()
                .connect_http(node.url.clone());
            let by_alloy = provider
                .client()
                .request::<_, Vec<RpcLog>>("eth_getLogs", (&filter,))
                .await;
            let direct = HttpEndpoint::new(&node.url).expect("http URL");
            let by_us = direct
                .call::<_, Vec<RpcLog>>("eth_getLogs", (&filter,))
                .await;
            match (by_alloy, by_us) {
                (Ok(a), Ok(b)) => {
                    let raw = |logs: Vec<RpcLog>| {
                        logs.into_iter()
                            .map(|l| to_raw_log(l).expect("log"))
                            .collect::<Vec<_>>()
                    };
                    let (a, b) = (raw(a), raw(b));
                    assert_eq!(a, b, "{what}");
                    assert_eq!(b.len(), 2, "{what}");
                }
                (Err(a), Err(b)) => {
                    let (a, b) = (classify(&a), classify(&b));
                    assert_eq!(
                        (a.kind, a.code),
                        (b.kind, b.code),
                        "{what}: {} / {}",
                        a.message,
                        b.message
                    );
                }
                (a, b) => panic!("{what}: alloy {:?}, direct {:?}", a.is_ok(), b.is_ok()),
            }
            let sent = node.bodies();
            assert_eq!(sent[0]["method"], sent[1]["method"], "{what}");
            assert_eq!(sent[0]["params"], sent[1]["params"], "{what}");
        }
        assert!(HttpEndpoint::new(&"ws://127.0.0.1:1".parse().expect("url")).is_none());
    }
}
