//! The second cache level, shared by every `serve` process through Redis.
//!
//! An answer is stored under its request key *and the exact block(s) it
//! reflects* (number and hash, from its own `block`/`blocks`), and looked up
//! under the store's cursors read fresh for the request (the same read the
//! local level validates against). A Redis entry therefore only ever matches
//! when the store is at exactly the state the answer was read from: a commit
//! or a reorg changes the cursor, so older entries are simply never asked for
//! again (they expire). No notice has to arrive for this to hold, which is
//! what makes it safe across processes whose notices travel separately.
//!
//! Redis is never required: every operation has a short timeout, a failure
//! marks the link down (requests go to the local level and the store), and a
//! background reconnect is tried at most once per [`RETRY`].

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use alloy_primitives::Address;
use redis::aio::MultiplexedConnection;
use sha2::{Digest, Sha256};
use tributary_store::read::BlockRef;
use tributary_types::ChainId;

use super::validity::Scope;
use crate::model::BlockJson;

/// Longest one Redis command or connection attempt may take.
const OP_TIMEOUT: Duration = Duration::from_millis(250);
/// Wait after a failure before the next connection attempt.
const RETRY: Duration = Duration::from_secs(1);
/// Prefix of every answer key.
const PREFIX: &str = "tributary:answer:";

/// Which block(s) a cached answer reflects, in key form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct At(String);

impl At {
    /// A single-chain answer read at block `number` (hash `hash`, as the
    /// answer's JSON writes it) of `chain_id`.
    pub(crate) fn one(chain_id: ChainId, number: u64, hash: &str) -> Self {
        Self(format!("c{chain_id}:{number}:{hash}"))
    }

    /// A multi-chain answer: every configured chain's (number, hash)
    /// (`None`: nothing indexed), configuration order.
    pub(crate) fn all<'a>(blocks: impl Iterator<Item = (ChainId, Option<(u64, &'a str)>)>) -> Self {
        let mut s = String::from("m");
        for (id, block) in blocks {
            match block {
                Some((number, hash)) => s.push_str(&format!("|{id}:{number}:{hash}")),
                None => s.push_str(&format!("|{id}:-")),
            }
        }
        Self(s)
    }

    /// Every key form an answer valid at `now` may have been stored under:
    /// one per indexed chain, plus the multi-chain form.
    pub(crate) fn candidates(chains: &[ChainId], now: &[Option<BlockRef>]) -> Vec<Self> {
        let json: Vec<Option<BlockJson>> = now.iter().map(|b| b.map(BlockJson::from)).collect();
        let mut out: Vec<Self> = json
            .iter()
            .flatten()
            .map(|b| Self::one(b.chain_id, b.number, &b.hash))
            .collect();
        out.push(Self::all(
            chains.iter().copied().zip(
                json.iter()
                    .map(|b| b.as_ref().map(|b| (b.number, b.hash.as_str()))),
            ),
        ));
        out
    }
}

/// A shared answer as stored: its scope, then the served JSON body.
pub(crate) fn encode(scope: Scope, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 21);
    match scope {
        Scope::Chain => out.push(0),
        Scope::Account(a) => {
            out.push(1);
            out.extend_from_slice(a.as_slice());
        }
        Scope::Contract(a) => {
            out.push(2);
            out.extend_from_slice(a.as_slice());
        }
    }
    out.extend_from_slice(body);
    out
}

/// The scope and body of a stored answer, `None` when it is not one.
pub(crate) fn decode(value: &[u8]) -> Option<(Scope, &[u8])> {
    let (&tag, rest) = value.split_first()?;
    let address = |rest: &[u8]| (rest.len() >= 20).then(|| Address::from_slice(&rest[..20]));
    match tag {
        0 => Some((Scope::Chain, rest)),
        1 => Some((Scope::Account(address(rest)?), &rest[20..])),
        2 => Some((Scope::Contract(address(rest)?), &rest[20..])),
        _ => None,
    }
}

#[derive(Debug)]
enum Link {
    Up(MultiplexedConnection),
    Down { retry_at: Instant, connecting: bool },
}

/// The Redis level: a client, its connection, and the key namespace.
#[derive(Debug)]
pub(crate) struct Shared {
    client: redis::Client,
    /// Digest of what answers depend on besides the request and the block
    /// (the API version and the configured chains and contracts).
    namespace: String,
    ttl: Duration,
    link: Arc<Mutex<Link>>,
}

impl Shared {
    /// A level on `url` (connected in the background; until then, and while
    /// Redis is down, every lookup misses). `None` when the URL is unusable.
    pub(crate) fn new(url: &url::Url, namespace: &str, ttl: Duration) -> Option<Self> {
        let client = match redis::Client::open(url.as_str()) {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "invalid Redis URL: the shared cache is off");
                return None;
            }
        };
        let digest = Sha256::digest(format!("{}|{namespace}", env!("CARGO_PKG_VERSION")));
        let shared = Self {
            client,
            namespace: alloy_primitives::hex::encode(&digest[..8]),
            ttl,
            link: Arc::new(Mutex::new(Link::Down {
                retry_at: Instant::now(),
                connecting: false,
            })),
        };
        // Connect right away (inside a runtime), not on the first request.
        let _ = shared.connection();
        Some(shared)
    }

    fn key(&self, request: &str, at: &At) -> String {
        let digest = Sha256::digest(format!("{}\n{request}\n{}", self.namespace, at.0));
        format!("{PREFIX}{}", alloy_primitives::hex::encode(digest))
    }

    /// The first stored value among `request` at each of `ats`; `None` on a
    /// miss or while Redis is unavailable.
    pub(crate) async fn get(&self, request: &str, ats: &[At]) -> Option<Vec<u8>> {
        let mut conn = self.connection()?;
        let keys: Vec<String> = ats.iter().map(|at| self.key(request, at)).collect();
        let found: Vec<Option<Vec<u8>>> = self.run(redis::cmd("MGET").arg(keys), &mut conn).await?;
        found.into_iter().flatten().next()
    }

    /// Stores `value` for `request` at `at` (best effort, in the background).
    pub(crate) fn put(self: &Arc<Self>, request: &str, at: &At, value: Vec<u8>) {
        let Some(mut conn) = self.connection() else {
            return;
        };
        let key = self.key(request, at);
        let this = Arc::clone(self);
        tokio::spawn(async move {
            let mut cmd = redis::cmd("SET");
            cmd.arg(key)
                .arg(value)
                .arg("PX")
                .arg(this.ttl.as_millis().max(1) as u64);
            let _: Option<()> = this.run(&cmd, &mut conn).await;
        });
    }

    /// Runs `cmd` with the operation timeout; a failure marks the link down.
    async fn run<T: redis::FromRedisValue>(
        &self,
        cmd: &redis::Cmd,
        conn: &mut MultiplexedConnection,
    ) -> Option<T> {
        match tokio::time::timeout(OP_TIMEOUT, cmd.query_async::<T>(conn)).await {
            Ok(Ok(v)) => Some(v),
            outcome => {
                let reason = match outcome {
                    Ok(Err(e)) => e.to_string(),
                    _ => "timed out".to_string(),
                };
                metrics::counter!("tributary_cache_shared_errors_total").increment(1);
                let mut link = lock(&self.link);
                if matches!(*link, Link::Up(_)) {
                    tracing::warn!(%reason, "shared cache unavailable: serving without it");
                    metrics::gauge!("tributary_cache_shared_connected").set(0.0);
                    *link = Link::Down {
                        retry_at: Instant::now() + RETRY,
                        connecting: false,
                    };
                }
                None
            }
        }
    }

    /// The live connection, or `None` (starting a reconnect when it is time).
    fn connection(&self) -> Option<MultiplexedConnection> {
        let mut link = lock(&self.link);
        match &mut *link {
            Link::Up(c) => Some(c.clone()),
            Link::Down {
                retry_at,
                connecting,
            } => {
                if !*connecting
                    && Instant::now() >= *retry_at
                    && let Ok(runtime) = tokio::runtime::Handle::try_current()
                {
                    *connecting = true;
                    runtime.spawn(connect(self.client.clone(), Arc::clone(&self.link)));
                }
                None
            }
        }
    }
}

async fn connect(client: redis::Client, link: Arc<Mutex<Link>>) {
    let config = redis::AsyncConnectionConfig::new()
        .set_connection_timeout(Some(OP_TIMEOUT))
        .set_response_timeout(Some(OP_TIMEOUT));
    let outcome = tokio::time::timeout(
        OP_TIMEOUT * 2,
        client.get_multiplexed_async_connection_with_config(&config),
    )
    .await;
    let mut link = lock(&link);
    *link = match outcome {
        Ok(Ok(c)) => {
            tracing::info!("shared cache connected to Redis");
            metrics::gauge!("tributary_cache_shared_connected").set(1.0);
            Link::Up(c)
        }
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "shared cache: cannot connect to Redis");
            down()
        }
        Err(_) => down(),
    };
}

fn down() -> Link {
    Link::Down {
        retry_at: Instant::now() + RETRY,
        connecting: false,
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use alloy_primitives::B256;

    use super::*;

    fn block(chain_id: u64, number: u64) -> BlockRef {
        BlockRef {
            chain_id,
            number,
            hash: B256::repeat_byte(3),
            timestamp: 1,
        }
    }

    #[test]
    fn a_stored_answer_is_a_candidate_only_at_its_own_block() {
        let json = BlockJson::from(block(56, 7));
        let at = At::one(56, 7, &json.hash);
        let now = [Some(block(1, 9)), Some(block(56, 7))];
        assert!(At::candidates(&[1, 56], &now).contains(&at));
        let later = [Some(block(1, 9)), Some(block(56, 8))];
        assert!(!At::candidates(&[1, 56], &later).contains(&at));
        let multi = At::all([(1, None), (56, Some((7, json.hash.as_str())))].into_iter());
        assert!(At::candidates(&[1, 56], &[None, Some(block(56, 7))]).contains(&multi));
        assert!(!At::candidates(&[1, 56], &now).contains(&multi));
    }

    #[test]
    fn values_round_trip_with_their_scope() {
        let a = Address::repeat_byte(9);
        for scope in [Scope::Chain, Scope::Account(a), Scope::Contract(a)] {
            let v = encode(scope, b"{\"x\":1}");
            assert_eq!(decode(&v), Some((scope, &b"{\"x\":1}"[..])));
        }
        assert_eq!(decode(&[1, 2]), None);
        assert_eq!(decode(&[]), None);
        assert_eq!(decode(&[7]), None);
    }
}
