//! The push worker: turns applied changes into messages for subscribers.
//! It reads from the store only what someone is subscribed to, and keeps the
//! recent blocks it announced per chain so that a change seen twice (a late
//! notice after a resync) is not pushed twice and a reorg found by polling is
//! announced from the right height.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use alloy_primitives::{Address, B256};
use tokio::sync::mpsc;
use tributary_store::read::{BlockRef, EventQuery};
use tributary_types::{ChainId, ChangeNotice};

use super::message::{PushMessage, Topic};
use super::{Change, Push};
use crate::model::{BlockAt, BlockJson};
use crate::routes;
use crate::state::AppState;

/// Blocks remembered per chain to find where a polled reorg starts.
const REMEMBERED: usize = 256;
/// Most events pages (of 1000) pushed for one contract and change.
const MAX_EVENT_PAGES: usize = 10;
/// Events per push message.
const EVENTS_PER_MESSAGE: u32 = 1000;

/// Which accounts a change touched.
enum Accounts<'a> {
    All,
    Some(&'a [Address]),
}

/// Runs until shutdown, pushing each change in order.
pub(crate) async fn worker(state: AppState, mut jobs: mpsc::Receiver<Change>) {
    let mut shutdown = state.live().shutdown_signal();
    let mut recent: HashMap<ChainId, VecDeque<(u64, B256)>> = HashMap::new();
    loop {
        let change = tokio::select! {
            c = jobs.recv() => c,
            _ = shutdown.wait_for(|s| *s) => return,
        };
        let Some(change) = change else { return };
        match change {
            Change::Notice(
                ChangeNotice::Committed {
                    chain_id,
                    from,
                    to,
                    events,
                    touched,
                },
                block,
            ) => {
                let seen = recent.entry(chain_id).or_default();
                if seen.back().is_some_and(|(n, _)| *n >= to) {
                    continue;
                }
                let block = match block {
                    Some(b) => Some(b),
                    None => header(&state, chain_id, to).await,
                };
                let accounts = if touched.all {
                    Accounts::All
                } else {
                    Accounts::Some(&touched.accounts)
                };
                changed(&state, chain_id, from, to, events > 0, accounts, block).await;
                remember(seen, to, block);
            }
            Change::Notice(
                ChangeNotice::Reorg {
                    chain_id,
                    from_block,
                },
                _,
            ) => {
                let seen = recent.entry(chain_id).or_default();
                seen.retain(|(n, _)| *n < from_block);
                reorg(&state, chain_id, from_block);
            }
            Change::Resync { chain, cursor } => {
                let Some(chain_id) = state.config().chains.get(chain).map(|c| c.chain_id) else {
                    continue;
                };
                let Some(cursor) = cursor else { continue };
                let seen = recent.entry(chain_id).or_default();
                resynced(&state, seen, chain_id, cursor).await;
            }
        }
    }
}

/// A resync found the chain at `cursor`: push what changed since the last
/// announced block, as "everything changed", after a reorg notice if the
/// last announced block is no longer on the chain.
async fn resynced(
    state: &AppState,
    seen: &mut VecDeque<(u64, B256)>,
    chain_id: ChainId,
    cursor: BlockRef,
) {
    let Some(&(last, last_hash)) = seen.back() else {
        // Nothing announced yet (startup): the baseline.
        remember(seen, cursor.number, Some(cursor));
        return;
    };
    if (last, last_hash) == (cursor.number, cursor.hash) {
        return;
    }
    let still_there = cursor.number > last
        && header(state, chain_id, last)
            .await
            .is_none_or(|h| h.hash == last_hash);
    let from = if still_there {
        last + 1
    } else {
        let from = fork_point(state, chain_id, seen).await;
        seen.retain(|(n, _)| *n < from);
        reorg(state, chain_id, from);
        from
    };
    if cursor.number >= from {
        changed(
            state,
            chain_id,
            from,
            cursor.number,
            true,
            Accounts::All,
            Some(cursor),
        )
        .await;
    }
    remember(seen, cursor.number, Some(cursor));
}

/// The first announced block that is no longer in the store.
async fn fork_point(state: &AppState, chain_id: ChainId, seen: &VecDeque<(u64, B256)>) -> u64 {
    for &(n, hash) in seen.iter().rev() {
        if header(state, chain_id, n)
            .await
            .is_some_and(|h| h.hash == hash)
        {
            return n + 1;
        }
    }
    seen.front().map_or(0, |(n, _)| *n)
}

fn remember(seen: &mut VecDeque<(u64, B256)>, number: u64, block: Option<BlockRef>) {
    // Without a hash the entry still dedups; B256::ZERO never matches a header.
    seen.push_back((number, block.map_or(B256::ZERO, |b| b.hash)));
    while seen.len() > REMEMBERED {
        seen.pop_front();
    }
}

async fn header(state: &AppState, chain_id: ChainId, number: u64) -> Option<BlockRef> {
    let h = state.store().header(chain_id, number).await.ok()??;
    Some(BlockRef {
        chain_id,
        number: h.number,
        hash: h.hash,
        timestamp: h.timestamp,
    })
}

fn reorg(state: &AppState, chain_id: ChainId, from_block: u64) {
    send(
        state,
        None,
        &PushMessage::Reorg {
            chain_id,
            from_block,
        },
    );
}

/// Blocks `from..=to` of `chain_id` were committed.
async fn changed(
    state: &AppState,
    chain_id: ChainId,
    from: u64,
    to: u64,
    with_events: bool,
    accounts: Accounts<'_>,
    block: Option<BlockRef>,
) {
    let (blocks, subscribed, contracts) = state.live().interest();
    if blocks > 0
        && let Some(b) = block
    {
        let b = BlockJson::from(b);
        let message = PushMessage::Block {
            chain_id,
            number: b.number,
            hash: b.hash,
            timestamp: b.timestamp,
        };
        send(state, Some(Topic::Blocks), &message);
    }
    for account in subscribed {
        let touched = match accounts {
            Accounts::All => true,
            Accounts::Some(list) => list.binary_search(&account).is_ok(),
        };
        if touched {
            push_account(state, chain_id, account).await;
        }
    }
    if with_events {
        for contract in contracts {
            push_events(state, chain_id, &contract, from, to).await;
        }
    }
}

async fn push_account(state: &AppState, chain_id: ChainId, account: Address) {
    match routes::balances::load(state, account, Some(chain_id)).await {
        Ok(answer) => {
            let block = match answer.at {
                BlockAt::Block(b) => b,
                BlockAt::Blocks(_) => None,
            };
            let message = PushMessage::Account {
                address: answer.address,
                chain_id,
                block,
                balances: answer.balances,
            };
            send(state, Some(Topic::Account(account)), &message);
        }
        Err(e) => tracing::warn!(error = %e, "cannot read balances for a push"),
    }
}

async fn push_events(state: &AppState, chain_id: ChainId, contract: &str, from: u64, to: u64) {
    let mut query = EventQuery {
        chain_id: Some(chain_id),
        contract: Some(contract.to_string()),
        from_block: Some(from),
        to_block: Some(to),
        limit: EVENTS_PER_MESSAGE,
        ..EventQuery::default()
    };
    for _ in 0..MAX_EVENT_PAGES {
        let rows = async {
            let mut snapshot = state.store().snapshot().await?;
            let rows = snapshot.events(&query).await?;
            snapshot.finish().await?;
            Ok::<_, tributary_store::StoreError>(rows)
        }
        .await;
        let rows = match rows {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read events for a push");
                return;
            }
        };
        let full = rows.len() == EVENTS_PER_MESSAGE as usize;
        query.after = rows.last().map(|r| tributary_store::read::EventPosition {
            block_number: r.block_number,
            log_index: r.log_index,
            chain_id: r.chain_id,
        });
        if rows.is_empty() {
            return;
        }
        let message = PushMessage::Events {
            contract: contract.to_string(),
            chain_id,
            items: rows.into_iter().map(routes::events::item).collect(),
        };
        send(state, Some(Topic::Events(contract.to_string())), &message);
        if !full {
            return;
        }
    }
    tracing::warn!(contract, from, to, "events push truncated");
}

fn send(state: &AppState, topic: Option<Topic>, message: &PushMessage) {
    match serde_json::to_string(message) {
        Ok(json) => {
            metrics::counter!("tributary_pushes_total", "type" => message.kind()).increment(1);
            state.live().send(Push {
                topic,
                kind: message.kind(),
                json: Arc::from(json),
            });
        }
        Err(e) => tracing::error!(error = %e, "cannot serialize a push"),
    }
}
