//! A tiny scripted JSON-RPC node over HTTP for fault injection in unit tests.

use std::{
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    task::JoinHandle,
};
use url::Url;

/// How the node answers one HTTP request.
pub(crate) enum Reply {
    /// HTTP 200 with this JSON body.
    Json(Value),
    /// This HTTP status with this body.
    Status(u16, String),
    /// Never answer.
    Hang,
}

type Handler = dyn Fn(&Value) -> Reply + Send + Sync;

/// A running fake node; stops when dropped.
pub(crate) struct TestNode {
    pub url: Url,
    bodies: Arc<Mutex<Vec<Value>>>,
    task: JoinHandle<()>,
}

impl Drop for TestNode {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A URL on which nothing listens.
pub(crate) async fn closed_url() -> Url {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    format!("http://127.0.0.1:{port}/").parse().expect("url")
}

impl TestNode {
    /// A node answering each HTTP body with `handler`.
    pub async fn start(handler: impl Fn(&Value) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let task = tokio::spawn({
            let bodies = bodies.clone();
            async move {
                while let Ok((stream, _)) = listener.accept().await {
                    tokio::spawn(serve(stream, handler.clone(), bodies.clone()));
                }
            }
        });
        let url = format!("http://127.0.0.1:{port}/").parse().expect("url");
        Self { url, bodies, task }
    }

    /// A node answering each JSON-RPC call (single or in a batch) with
    /// `handler(method, params)`: a result or an error (code, message).
    pub async fn rpc(
        handler: impl Fn(&str, &Value) -> Result<Value, (i64, String)> + Send + Sync + 'static,
    ) -> Self {
        let answer = move |call: &Value| {
            let method = call["method"].as_str().unwrap_or_default();
            match handler(method, &call["params"]) {
                Ok(result) => json!({"jsonrpc": "2.0", "id": call["id"], "result": result}),
                Err((code, message)) => json!({
                    "jsonrpc": "2.0", "id": call["id"],
                    "error": {"code": code, "message": message}
                }),
            }
        };
        Self::start(move |body| match body {
            Value::Array(calls) => Reply::Json(Value::Array(calls.iter().map(&answer).collect())),
            call => Reply::Json(answer(call)),
        })
        .await
    }

    /// Every HTTP body received so far.
    pub fn bodies(&self) -> Vec<Value> {
        self.bodies
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The params of every call of `method` received so far (batches
    /// flattened).
    pub fn params_of(&self, method: &str) -> Vec<Value> {
        self.bodies()
            .iter()
            .flat_map(|b| match b {
                Value::Array(calls) => calls.clone(),
                call => vec![call.clone()],
            })
            .filter(|c| c["method"] == method)
            .map(|c| c["params"].clone())
            .collect()
    }
}

async fn serve(mut stream: TcpStream, handler: Arc<Handler>, bodies: Arc<Mutex<Vec<Value>>>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < header_end + length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let body: Value =
        serde_json::from_slice(&buf[header_end..header_end + length]).unwrap_or(Value::Null);
    bodies
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(body.clone());
    let (status, text) = match handler(&body) {
        Reply::Json(value) => (200, value.to_string()),
        Reply::Status(status, text) => (status, text),
        Reply::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return;
        }
    };
    let response = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
        text.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}
