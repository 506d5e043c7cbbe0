//! Live changes: where change notices come from (the in-process engine,
//! Redis, or polling the store), how they invalidate the read cache, and how
//! they become pushes to WebSocket and SSE clients.
//!
//! Every source ends in [`apply`], which first updates the cache's validity
//! marks (synchronously, so the cache is never behind a notice it has seen)
//! and then queues the change for the push worker, which reads what
//! subscribers need from the store and broadcasts it to every session.

pub(crate) mod feed;
pub(crate) mod message;
mod push;
pub(crate) mod redis;
pub(crate) mod session;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use alloy_primitives::{Address, B256};
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc, watch};
use tributary_store::read::BlockRef;
use tributary_types::{ChainId, ChangeNotice};

use crate::settings::LiveSettings;
use crate::state::AppState;
use message::Topic;

/// Pushes kept for sessions whose forwarder has not picked them up yet.
const BROADCAST_CAPACITY: usize = 1024;
/// Changes queued for the push worker before new ones are dropped (the cache
/// is already invalidated by then; only pushes are lost, and counted).
const JOB_CAPACITY: usize = 4096;

/// A change notice as sent between processes: the notice, and the cursor
/// right after the commit it reports when the sender could confirm it (no
/// other commit in between), which lets receivers keep serving from cache.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamped {
    /// The engine's notice.
    pub notice: ChangeNotice,
    /// The chain's cursor right after it, if confirmed.
    pub block: Option<WireBlock>,
}

/// A block as [`Stamped`] carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireBlock {
    /// Height.
    pub number: u64,
    /// Hash.
    pub hash: B256,
    /// Unix timestamp in seconds.
    pub timestamp: u64,
}

/// Where a process learns about commits.
#[derive(Debug)]
pub enum NoticeSource {
    /// The engine running in this process (`tributary start`).
    Local(broadcast::Receiver<ChangeNotice>),
    /// Another process's engine, through Redis pub/sub (`tributary serve`
    /// with `[cache] redis_url`); Redis being down degrades to polling.
    Redis(url::Url),
    /// Nothing but the store: its cursors are polled and a change means
    /// "everything of that chain changed".
    Poll,
}

/// A change, from whichever source.
#[derive(Debug, Clone)]
pub(crate) enum Change {
    /// A notice, with the cursor right after it if confirmed.
    Notice(ChangeNotice, Option<BlockRef>),
    /// Notices may have been missed: `chain` (configuration index) is at
    /// `cursor`, and everything of it may have changed.
    Resync {
        chain: usize,
        cursor: Option<BlockRef>,
    },
}

/// One push, ready to send: the topic it is for (`None`: every subscribed
/// client) and its JSON.
#[derive(Debug)]
pub(crate) struct Push {
    pub topic: Option<Topic>,
    pub kind: &'static str,
    pub json: Arc<str>,
}

/// What the connected clients are subscribed to, counted.
#[derive(Debug, Default)]
pub(crate) struct Interest {
    pub blocks: usize,
    pub accounts: HashMap<Address, usize>,
    pub contracts: HashMap<String, usize>,
}

/// The push side of the API.
#[derive(Debug)]
pub(crate) struct Live {
    pushes: broadcast::Sender<Arc<Push>>,
    interest: Mutex<Interest>,
    jobs: mpsc::Sender<Change>,
    jobs_rx: Mutex<Option<mpsc::Receiver<Change>>>,
    shutdown: watch::Sender<bool>,
    settings: LiveSettings,
}

impl Live {
    /// Nothing running yet: see [`start`].
    pub(crate) fn new(settings: LiveSettings) -> Self {
        let (jobs, jobs_rx) = mpsc::channel(JOB_CAPACITY);
        Self {
            pushes: broadcast::channel(BROADCAST_CAPACITY).0,
            interest: Mutex::new(Interest::default()),
            jobs,
            jobs_rx: Mutex::new(Some(jobs_rx)),
            shutdown: watch::channel(false).0,
            settings,
        }
    }

    /// A receiver of every push from now on.
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Arc<Push>> {
        self.pushes.subscribe()
    }

    /// Resolves once the server shuts down.
    pub(crate) fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    /// Ends every session and feed.
    pub(crate) fn close(&self) {
        self.shutdown.send_replace(true);
    }

    pub(crate) fn settings(&self) -> &LiveSettings {
        &self.settings
    }

    /// A copy of the interest, for the push worker.
    pub(crate) fn interest(&self) -> (usize, Vec<Address>, Vec<String>) {
        let i = lock(&self.interest);
        (
            i.blocks,
            i.accounts.keys().copied().collect(),
            i.contracts.keys().cloned().collect(),
        )
    }

    pub(crate) fn interest_add(&self, topic: &Topic) {
        let mut i = lock(&self.interest);
        match topic {
            Topic::Blocks => i.blocks += 1,
            Topic::Account(a) => *i.accounts.entry(*a).or_default() += 1,
            Topic::Events(c) => *i.contracts.entry(c.clone()).or_default() += 1,
        }
    }

    pub(crate) fn interest_remove(&self, topic: &Topic) {
        let mut i = lock(&self.interest);
        match topic {
            Topic::Blocks => i.blocks = i.blocks.saturating_sub(1),
            Topic::Account(a) => release(&mut i.accounts, a),
            Topic::Events(c) => release(&mut i.contracts, c),
        }
    }

    /// Sends `push` to every session (none connected is fine).
    pub(crate) fn send(&self, push: Push) {
        let _ = self.pushes.send(Arc::new(push));
    }
}

fn release<K: std::hash::Hash + Eq>(counts: &mut HashMap<K, usize>, key: &K) {
    if let Some(n) = counts.get_mut(key) {
        *n -= 1;
        if *n == 0 {
            counts.remove(key);
        }
    }
}

/// Applies one change: cache validity now, pushes soon.
pub(crate) fn apply(state: &AppState, change: Change) {
    let validity = state.cache().validity();
    match &change {
        Change::Notice(
            ChangeNotice::Committed {
                chain_id,
                to,
                touched,
                ..
            },
            block,
        ) => {
            validity.committed(*chain_id, *to, touched, *block);
        }
        Change::Notice(ChangeNotice::Reorg { chain_id, .. }, _) => validity.reorged(*chain_id),
        Change::Resync { chain, cursor } => validity.resync(*chain, *cursor),
    }
    if state.live().jobs.try_send(change).is_err() {
        metrics::counter!("tributary_push_jobs_dropped_total").increment(1);
    }
}

/// Starts the push worker and the feeds for `source` (idempotent for the
/// worker: a second call only adds feeds). Must run inside a Tokio runtime.
pub(crate) fn start(state: &AppState, source: NoticeSource) {
    if let Some(jobs) = lock(&state.live().jobs_rx).take() {
        tokio::spawn(push::worker(state.clone(), jobs));
    }
    let polled_only = matches!(source, NoticeSource::Poll);
    match source {
        NoticeSource::Local(rx) => {
            tokio::spawn(feed::local(state.clone(), rx));
        }
        NoticeSource::Redis(url) => {
            tokio::spawn(redis::subscribe(state.clone(), url));
        }
        NoticeSource::Poll => {}
    }
    tokio::spawn(feed::poll(state.clone(), polled_only));
}

/// The block a store read reports, as [`Stamped`] carries it.
pub(crate) fn wire(block: &BlockRef) -> WireBlock {
    WireBlock {
        number: block.number,
        hash: block.hash,
        timestamp: block.timestamp,
    }
}

/// The store's view of a [`WireBlock`] of `chain_id`.
pub(crate) fn block_ref(chain_id: ChainId, block: &WireBlock) -> BlockRef {
    BlockRef {
        chain_id,
        number: block.number,
        hash: block.hash,
        timestamp: block.timestamp,
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
