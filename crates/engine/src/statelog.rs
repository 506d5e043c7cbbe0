//! The state change log: which keys history needs, their values at the end
//! of every block they changed in, and the chain reads that complete them.
//!
//! Only position templates log, and only the kinds their history valuation
//! reads ([`logged_kinds`]); a config of plain `erc20` tokens logs nothing and
//! tracks nothing (the overlay keeps per-block values only for
//! [`tracked_scopes`]).
//!
//! Values events write are logged at their block. Values only a chain read
//! gives (accrued interest, pending rewards, total assets, the emission rate,
//! thresholds, pair tokens) are logged by this rule, which depends on the
//! chain's events alone, never on where batches end, so an incremental run,
//! a one-batch backfill and a rebuild agree: **a view key is read, and
//! logged, at the last block of each hour (block time) in which a key whose
//! change calls for that view changed.** Reads done only because a batch
//! ended there, or by the periodic refresh, update current state but are not
//! logged. A rebuild replays events, not chain reads, so it keeps the logged
//! view rows, which this rule made independent of batching.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use alloy::primitives::{Address, U256};
use futures::{StreamExt, TryStreamExt, stream};
use tributary_config::ContractKind;
use tributary_source::{EvmSource, SourceError};
use tributary_store::Store;
use tributary_store::history::{BUCKET_SECONDS, LogRow};
use tributary_types::{BlockHeader, StateKey, StateKind};

use crate::EngineError;
use crate::overlay::Overlay;
use crate::project::View;
use crate::registry::Registry;

/// Header requests in flight at once when a batch's blocks lack headers.
const HEADER_CONCURRENCY: usize = 8;

/// The state kinds history reads from an entry of template `kind`.
pub(crate) fn logged_kinds(kind: ContractKind) -> &'static [StateKind] {
    use StateKind as K;
    match kind {
        ContractKind::UniswapV2Pair => &[
            K::Balance,
            K::Supply,
            K::Reserve0,
            K::Reserve1,
            K::PairToken0,
            K::PairToken1,
        ],
        ContractKind::Erc4626 => &[K::Balance, K::Supply, K::TotalAssets],
        ContractKind::CdpVault => &[
            K::VaultCollateral,
            K::VaultCollateralToken,
            K::VaultDebt,
            K::VaultThreshold,
        ],
        ContractKind::VoteEscrow => &[K::NftOwner, K::LockAmount, K::LockEnd],
        ContractKind::Savings => &[K::SavingsPrincipal, K::SavingsInterest],
        ContractKind::StabilityPool => &[K::StabilityDeposit],
        ContractKind::Gauge => &[K::GaugeWeight, K::GaugeTotalWeight, K::EmissionRate],
        ContractKind::Rewards => &[K::PendingRewards],
        ContractKind::PriceFeed => &[K::Price],
        _ => &[],
    }
}

/// Addresses of every entry that logs: the scopes the overlay tracks.
pub(crate) fn tracked_scopes(registry: &Registry) -> HashSet<Address> {
    registry
        .entries()
        .iter()
        .filter(|e| !logged_kinds(e.kind).is_empty())
        .flat_map(|e| e.addresses.iter().copied())
        .collect()
}

/// Whether `key` is logged.
fn is_logged(registry: &Registry, key: &StateKey) -> bool {
    registry
        .entries()
        .iter()
        .any(|e| logged_kinds(e.kind).contains(&key.kind) && e.addresses.contains(&key.scope))
}

/// The hour bucket of a timestamp.
fn bucket(timestamp: u64) -> u64 {
    timestamp - timestamp % BUCKET_SECONDS
}

/// The log rows of one batch: `writes` (the overlay's per-block values)
/// that are logged, plus the view keys they call for, read at the last
/// triggering block of each hour. `known` are headers the batch already has.
pub(crate) async fn batch_rows(
    registry: &Registry,
    source: &EvmSource,
    overlay: &Overlay,
    writes: Vec<(u64, StateKey, U256)>,
    known: &[BlockHeader],
) -> Result<Vec<LogRow>, EngineError> {
    if writes.is_empty() {
        return Ok(Vec::new());
    }
    let mut triggered: Vec<(u64, View)> = Vec::new();
    let mut views = Vec::new();
    for (block, key, _) in &writes {
        for entry in registry.entries() {
            if let Some(p) = entry
                .projection
                .as_ref()
                .filter(|_| entry.addresses.contains(&key.scope))
            {
                p.views(key, overlay, &mut views);
            }
        }
        triggered.extend(
            views
                .drain(..)
                .filter(|v| is_logged(registry, &v.key))
                .map(|v| (*block, v)),
        );
    }
    let blocks: BTreeSet<u64> = writes
        .iter()
        .map(|(b, _, _)| *b)
        .chain(triggered.iter().map(|(b, _)| *b))
        .collect();
    let headers = headers_of(source, known, &blocks).await?;
    let header = |b: u64| {
        headers.get(&b).ok_or_else(|| {
            EngineError::Source(SourceError::Inconsistent {
                endpoint: "state log".into(),
                method: "eth_getBlockByNumber",
                detail: format!("no header for block {b}"),
            })
        })
    };
    let mut rows = Vec::new();
    for (block, key, value) in writes {
        if is_logged(registry, &key) {
            rows.push(LogRow {
                key,
                block_number: block,
                block_timestamp: header(block)?.timestamp,
                value,
            });
        }
    }
    // The last triggering block of each (view key, hour).
    let mut last: BTreeMap<(StateKey, u64), (u64, View)> = BTreeMap::new();
    for (block, view) in triggered {
        let hour = bucket(header(block)?.timestamp);
        let slot = last
            .entry((view.key, hour))
            .or_insert((block, view.clone()));
        if block >= slot.0 {
            *slot = (block, view);
        }
    }
    let mut by_block: BTreeMap<u64, Vec<View>> = BTreeMap::new();
    for (block, view) in last.into_values() {
        by_block.entry(block).or_default().push(view);
    }
    for (block, views) in by_block {
        let h = header(block)?;
        let calls = views.iter().map(|v| (v.to, v.data.clone())).collect();
        let answers = source.calls(calls, h.hash).await;
        for (view, answer) in views.iter().zip(answers) {
            match answer.map(|b| b.get(..32).map(U256::from_be_slice)) {
                Ok(Some(value)) => rows.push(LogRow {
                    key: view.key,
                    block_number: block,
                    block_timestamp: h.timestamp,
                    value,
                }),
                Ok(None) => warn(view, block, "answer shorter than one word"),
                Err(e) => warn(view, block, &e.to_string()),
            }
        }
    }
    Ok(rows)
}

/// Headers of `blocks`: from `known`, else fetched by number.
async fn headers_of(
    source: &EvmSource,
    known: &[BlockHeader],
    blocks: &BTreeSet<u64>,
) -> Result<HashMap<u64, BlockHeader>, EngineError> {
    let mut out: HashMap<u64, BlockHeader> = known
        .iter()
        .filter(|h| blocks.contains(&h.number))
        .map(|h| (h.number, *h))
        .collect();
    let missing: Vec<u64> = blocks
        .iter()
        .copied()
        .filter(|b| !out.contains_key(b))
        .collect();
    let fetched: Vec<Option<BlockHeader>> = stream::iter(missing)
        .map(|b| source.header(b))
        .buffered(HEADER_CONCURRENCY)
        .try_collect()
        .await?;
    out.extend(fetched.into_iter().flatten().map(|h| (h.number, h)));
    Ok(out)
}

/// After a rebuild replayed the events of `targets` into `overlay`:
/// replaces their logged event kinds with the replayed per-block values.
/// Timestamps come from the log itself (a rebuild replays blocks the log
/// already has); rows of a block it has none for are left out, with a warning.
pub(crate) async fn rebuild(
    store: &Store,
    registry: &Registry,
    chain_id: u64,
    targets: &[usize],
    overlay: &mut Overlay,
) -> Result<(), EngineError> {
    let writes = overlay.take_block_writes();
    let mut groups = Vec::new();
    for i in targets {
        let e = registry.entry(*i);
        let Some(p) = &e.projection else { continue };
        let scopes: Vec<Address> = e.addresses.iter().copied().collect();
        for kind in p
            .kinds()
            .iter()
            .filter(|k| logged_kinds(e.kind).contains(*k))
        {
            groups.push((*kind, scopes.clone()));
        }
    }
    if groups.is_empty() {
        return Ok(());
    }
    let blocks: Vec<u64> = writes
        .iter()
        .map(|(b, _, _)| *b)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let times = store.log_block_times(chain_id, &blocks).await?;
    let mut rows = Vec::new();
    let mut unknown = 0usize;
    for (block, key, value) in writes {
        if !is_logged(registry, &key) {
            continue;
        }
        match times.get(&block) {
            Some(t) => rows.push(LogRow {
                key,
                block_number: block,
                block_timestamp: *t,
                value,
            }),
            None => unknown += 1,
        }
    }
    if unknown > 0 {
        tracing::warn!(
            chain_id,
            rows = unknown,
            "rebuild: changes at blocks the state log has no timestamp for are not logged; history of those keys starts at their next indexed change"
        );
    }
    store.replace_log(chain_id, &groups, &rows).await?;
    Ok(())
}

fn warn(view: &View, block: u64, error: &str) {
    metrics::counter!("tributary_view_errors_total").increment(1);
    tracing::warn!(contract = %view.to, kind = ?view.key.kind, block, error, "chain read for the state log failed; history keeps the previous value of this key for that hour");
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn registry(contracts: &str) -> Registry {
        let text = format!(
            "[database]\nurl = \"sqlite::memory:\"\n\n[[chain]]\nname = \"test\"\nchain_id = 31337\nrpc = [\"http://127.0.0.1:1\"]\n\n{contracts}"
        );
        let config = tributary_config::parse_str(&text, Path::new("/tmp/statelog.toml"), &[])
            .unwrap_or_else(|e| panic!("config: {e}"));
        let refs: Vec<_> = config.contracts.iter().collect();
        Registry::new(&refs).expect("registry")
    }

    fn entry(name: &str, kind: &str, address: Address) -> String {
        format!(
            "[[contract]]\nname = \"{name}\"\nchain = \"test\"\nkind = \"{kind}\"\naddress = \"{address}\"\n\n"
        )
    }

    #[test]
    fn plain_erc20_configs_track_and_log_nothing() {
        let token = Address::repeat_byte(1);
        let r = registry(&entry("T", "erc20", token));
        assert!(tracked_scopes(&r).is_empty());
        let balance = StateKey::balance(token, Address::repeat_byte(9));
        assert!(!is_logged(&r, &balance));
    }

    #[test]
    fn position_entries_log_only_what_history_reads() {
        let (token, pair, feed) = (
            Address::repeat_byte(1),
            Address::repeat_byte(2),
            Address::repeat_byte(3),
        );
        let r = registry(&format!(
            "{}{}{}asset = \"{token}\"\n",
            entry("T", "erc20", token),
            entry("P", "uniswap_v2_pair", pair),
            entry("F", "price_feed", feed),
        ));
        assert_eq!(tracked_scopes(&r), HashSet::from([pair, feed]));
        let holder = Address::repeat_byte(9);
        assert!(is_logged(&r, &StateKey::balance(pair, holder)));
        assert!(is_logged(&r, &StateKey::global(StateKind::Reserve0, pair)));
        assert!(is_logged(&r, &StateKey::global(StateKind::Price, feed)));
        // The feed's update time and a token's balances are not history inputs.
        assert!(!is_logged(
            &r,
            &StateKey::global(StateKind::PriceUpdatedAt, feed)
        ));
        assert!(!is_logged(&r, &StateKey::balance(token, holder)));
    }
}
