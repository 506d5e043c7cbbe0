//! `tributary dead-letters list|retry`: logs that failed to decode or
//! project, kept so nothing is silently dropped.
//!
//! A retry goes through the normal path rather than re-applying one event
//! in isolation (projections depend on the state before it): the letters are
//! marked resolved, their block range is replayed (storing events that now
//! decode) and the projections they belong to are rebuilt from raw events.
//! A log that still does not decode is reopened; so is a projection
//! failure, which a rebuild cannot confirm fixed (it does not report the
//! events it rejected).

use std::collections::{BTreeMap, BTreeSet};

use tokio::sync::broadcast;
use tributary_config::Config;
use tributary_store::Store;
use tributary_store::ops::DeadLetterRow;
use tributary_store::read::EventQuery;

use crate::cli::DeadLetterAction;
use crate::commands::open_store;
use crate::exit::UsageError;

/// Runs a `dead-letters` action.
pub async fn dead_letters(config: &Config, action: DeadLetterAction) -> anyhow::Result<()> {
    match action {
        DeadLetterAction::List { chain, all, limit } => {
            let chain_id = chain_id_of(config, chain.as_deref())?;
            let store = open_store(config).await?;
            let letters = store.dead_letters(chain_id, all, limit).await?;
            print_letters(config, &letters);
            Ok(())
        }
        DeadLetterAction::Retry { chain, id } => {
            let chain_id = chain_id_of(config, chain.as_deref())?;
            let store = open_store(config).await?;
            retry(config, &store, chain_id, &id).await
        }
    }
}

fn chain_id_of(config: &Config, chain: Option<&str>) -> anyhow::Result<Option<u64>> {
    chain
        .map(|name| {
            config.chain(name).map(|c| c.chain_id).ok_or_else(|| {
                UsageError(format!(
                    "--chain {name:?}: no such chain in {}",
                    config.file.display()
                ))
                .into()
            })
        })
        .transpose()
}

fn chain_name(config: &Config, chain_id: u64) -> String {
    config
        .chain_by_id(chain_id)
        .map_or_else(|| chain_id.to_string(), |c| c.name.clone())
}

fn print_letters(config: &Config, letters: &[DeadLetterRow]) {
    println!(
        "{:>6} {:<10} {:>10} {:>6} {:<16} {:<14} {:>7} {:<8}  error",
        "id", "chain", "block", "log", "contract", "event", "retries", "state"
    );
    for l in letters {
        println!(
            "{:>6} {:<10} {:>10} {:>6} {:<16} {:<14} {:>7} {:<8}  {}",
            l.id,
            chain_name(config, l.chain_id),
            l.block_number,
            l.log_index,
            l.contract,
            l.event.as_deref().unwrap_or("-"),
            l.retry_count,
            if l.resolved_at.is_some() {
                "resolved"
            } else {
                "open"
            },
            l.error
        );
    }
    println!("{} dead letter(s)", letters.len());
}

async fn retry(
    config: &Config,
    store: &Store,
    chain_id: Option<u64>,
    ids: &[i64],
) -> anyhow::Result<()> {
    let letters: Vec<DeadLetterRow> = store
        .dead_letters(chain_id, false, u32::MAX)
        .await?
        .into_iter()
        .filter(|l| ids.is_empty() || ids.contains(&l.id))
        .collect();
    if letters.is_empty() {
        println!("no open dead letters to retry");
        return Ok(());
    }
    let by_chain: BTreeMap<u64, Vec<&DeadLetterRow>> =
        letters.iter().fold(BTreeMap::new(), |mut m, l| {
            m.entry(l.chain_id).or_insert_with(Vec::new).push(l);
            m
        });
    let all_ids: Vec<i64> = letters.iter().map(|l| l.id).collect();
    store.mark_retried(&all_ids).await?;
    let (notices, _) = broadcast::channel(16);
    let mut still_failing = 0;
    for (chain_id, letters) in by_chain {
        let name = chain_name(config, chain_id);
        if config.chain(&name).is_none() {
            anyhow::bail!("dead letters of chain {chain_id}, which is not configured");
        }
        let from = letters.iter().map(|l| l.block_number).min().unwrap_or(0);
        let to = letters.iter().map(|l| l.block_number).max().unwrap_or(0);
        let contracts: BTreeSet<&str> = letters.iter().map(|l| l.contract.as_str()).collect();
        for mut ix in
            tributary_engine::setup::indexers(config, store, &notices, Some(&name)).await?
        {
            let stored = ix.replay(from, to).await?;
            println!("{name}: replayed blocks {from}..={to}: {stored} event(s) now stored");
            for contract in &contracts {
                if ix.has_contract(contract) {
                    ix.rebuild(Some(contract)).await?;
                    println!("{name}: rebuilt projection {contract}");
                }
            }
        }
        // A log that failed to decode is fixed when its event is stored now.
        // A rebuild does not report which events its projections rejected,
        // so a projection failure cannot be confirmed fixed: it stays open.
        for l in letters {
            let fixed = !l.error.starts_with("projection:") && stored_now(store, l).await?;
            if !fixed {
                let note = if l.error.starts_with("projection:") {
                    "projection rebuilt; check its state, a rebuild does not report rejections"
                } else {
                    "still failing after retry"
                };
                let error = l.error.split(" [").next().unwrap_or(&l.error);
                store
                    .reopen_dead_letter(l.id, &format!("{error} [{note}]"))
                    .await?;
                still_failing += 1;
            }
        }
    }
    println!(
        "retried {} dead letter(s): {} resolved, {still_failing} still open",
        letters.len(),
        letters.len() - still_failing
    );
    Ok(())
}

/// Whether the letter's log is now a stored event.
async fn stored_now(store: &Store, l: &DeadLetterRow) -> anyhow::Result<bool> {
    let mut snap = store.snapshot().await?;
    let rows = snap
        .events(&EventQuery {
            chain_id: Some(l.chain_id),
            from_block: Some(l.block_number),
            to_block: Some(l.block_number),
            limit: 10_000,
            ..EventQuery::default()
        })
        .await?;
    snap.finish().await?;
    Ok(rows.iter().any(|e| e.log_index == l.log_index))
}
