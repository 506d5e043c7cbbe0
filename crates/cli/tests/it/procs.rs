//! Processes the serving tests run: `tributary` subcommands on free ports,
//! a private `redis-server` they can kill, and an SSE reader.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// A child process killed when dropped.
pub struct Proc(pub Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Proc {
    /// Fails the test if the process exited.
    pub fn assert_running(&mut self, what: &str) {
        if let Some(status) = self.0.try_wait().expect("wait") {
            panic!("{what} exited: {status}");
        }
    }
}

/// `tributary <command> -c config`, serving on `port` when given.
pub fn tributary(command: &str, config: &Path, port: Option<u16>, log: &Path) -> Proc {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tributary"));
    cmd.arg(command)
        .arg("-c")
        .arg(config)
        .arg("--log-format")
        .arg("json")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).expect("log file"));
    if let Some(port) = port {
        cmd.env("TRIBUTARY_API__LISTEN", format!("127.0.0.1:{port}"));
    }
    Proc(cmd.spawn().expect("spawn tributary"))
}

/// A private Redis on `port` without persistence.
pub fn redis_server(port: u16) -> Proc {
    let child = Command::new("redis-server")
        .arg("--port")
        .arg(port.to_string())
        .arg("--save")
        .arg("")
        .arg("--appendonly")
        .arg("no")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server must be installed for this test");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "redis-server did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Proc(child)
}

/// GET `http://127.0.0.1:{port}{path}` as JSON, or `None` while unreachable.
pub async fn get_json(port: u16, path: &str) -> Option<(u16, Value)> {
    let r = reqwest::get(format!("http://127.0.0.1:{port}{path}"))
        .await
        .ok()?;
    let status = r.status().as_u16();
    Some((status, r.json().await.ok()?))
}

/// The text of `/metrics`.
pub async fn metrics(port: u16) -> String {
    reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics text")
}

/// The value of the first sample of `name` (with any labels) in `metrics`.
pub fn sample(metrics: &str, name: &str) -> Option<f64> {
    metrics
        .lines()
        .filter(|l| !l.starts_with('#'))
        .find(|l| l.starts_with(name) && l[name.len()..].starts_with([' ', '{']))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
}

/// Waits until `port` answers `/v1/status` with every chain indexed at or
/// above `block`.
pub async fn wait_indexed(port: u16, block: u64, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        if let Some((200, body)) = get_json(port, "/v1/status").await {
            let done = body["chains"].as_array().is_some_and(|cs| {
                cs.iter()
                    .all(|c| c["indexed_block"].as_u64().is_some_and(|n| n >= block))
            });
            if done {
                return;
            }
        }
        assert!(
            Instant::now() < deadline,
            "port {port} never reported block {block} indexed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// An open `GET /v1/sse` stream.
pub struct Sse {
    response: reqwest::Response,
    buffer: String,
}

impl Sse {
    /// Subscribes to `topics` on `port`.
    pub async fn open(port: u16, topics: &str) -> Self {
        let response = reqwest::get(format!("http://127.0.0.1:{port}/v1/sse?topics={topics}"))
            .await
            .expect("sse request");
        assert_eq!(response.status(), 200, "sse on {port}");
        Self {
            response,
            buffer: String::new(),
        }
    }

    /// The next event named `name`, as JSON, within `within`.
    pub async fn next(&mut self, name: &str, within: Duration) -> Value {
        let deadline = Instant::now() + within;
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let event: String = self.buffer.drain(..end + 2).collect();
                let mut kind = "";
                let mut data = String::new();
                for line in event.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        kind = v.trim();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if kind == name {
                    return serde_json::from_str(&data).expect("event data is JSON");
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let chunk = tokio::time::timeout(left, self.response.chunk())
                .await
                .unwrap_or_else(|_| panic!("no {name} event within {within:?}"))
                .expect("sse chunk")
                .expect("sse stream open");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}
