//! `[[chain]]` entries.

use std::collections::HashMap;
use std::str::FromStr;

use super::values;
use crate::model::{BloomCheck, ChainConfig};
use crate::on_error::OnError;
use crate::read::Ctx;
use crate::schema;
use crate::tree::{Node, Origin, Value};

/// Finality depth used when `confirmations` is not given.
pub(crate) const DEFAULT_CONFIRMATIONS: u64 = 12;
/// Head polling interval used when `poll_interval_ms` is not given.
pub(crate) const DEFAULT_POLL_INTERVAL_MS: u64 = 1000;
/// `eth_getLogs` range used when `max_block_range` is not given.
pub(crate) const DEFAULT_MAX_BLOCK_RANGE: u64 = 10_000;
/// Fetch-ahead used when `fetch_concurrency` is not given.
pub(crate) const DEFAULT_FETCH_CONCURRENCY: u64 = 4;
/// Batch size target used when `batch_events` is not given.
pub(crate) const DEFAULT_BATCH_EVENTS: u64 = 20_000;
/// Longest open backfill batch used when `commit_interval_ms` is not given.
pub(crate) const DEFAULT_COMMIT_INTERVAL_MS: u64 = 3_000;
/// Accruing-state refresh interval used when `refresh_blocks` is not given.
pub(crate) const DEFAULT_REFRESH_BLOCKS: u64 = 100;
/// Readiness lag bound used when `max_lag_blocks` is not given: a following
/// indexer is normally 0-2 blocks behind (poll interval, batch in flight), so
/// 5 means "really behind" without flapping on every new block.
pub(crate) const DEFAULT_MAX_LAG_BLOCKS: u64 = 5;

/// What is known of one `[[chain]]`, even when parts of it are invalid: the
/// name and id let contracts refer to it without cascading errors.
pub(super) struct ChainSlot<'a> {
    /// The chain's name and where it was written.
    pub name: Option<(String, &'a Origin)>,
    /// The chain id and where it was written.
    pub chain_id: Option<(u64, &'a Origin)>,
    /// The complete chain, when every key is valid.
    pub config: Option<ChainConfig>,
}

/// The items of an array of tables (`[[section]]`), with a clear message when
/// the section was written as a single table.
pub(super) fn array_of_tables<'a>(ctx: &mut Ctx, section: &str, node: &'a Node) -> &'a [Node] {
    if let Value::Table(_) = node.value {
        ctx.error(
            &node.origin,
            section,
            format!("must be an array of tables: write [[{section}]], not [{section}]"),
        );
        return &[];
    }
    ctx.array(section, node).unwrap_or(&[])
}

/// Every `[[chain]]`, then checks that names and ids are unique.
pub(super) fn chains<'a>(ctx: &mut Ctx, node: &'a Node) -> Vec<ChainSlot<'a>> {
    let items = array_of_tables(ctx, "chain", node);
    if matches!(&node.value, Value::Array(items) if items.is_empty()) {
        ctx.error(&node.origin, "chain", "at least one [[chain]] is required");
    }
    let slots: Vec<ChainSlot<'a>> = items
        .iter()
        .enumerate()
        .map(|(i, item)| chain(ctx, &format!("chain[{i}]"), item))
        .collect();
    let mut names: HashMap<String, usize> = HashMap::new();
    let mut ids: HashMap<u64, usize> = HashMap::new();
    for (i, slot) in slots.iter().enumerate() {
        if let Some((name, origin)) = &slot.name
            && let Some(&first) = names.get(&name.to_lowercase())
        {
            let message = format!("duplicate chain name \"{name}\" (also chain[{first}])");
            ctx.error(origin, format!("chain[{i}].name"), message);
        } else if let Some((name, _)) = &slot.name {
            names.insert(name.to_lowercase(), i);
        }
        if let Some((id, origin)) = &slot.chain_id
            && let Some(&first) = ids.get(id)
        {
            let message = format!("duplicate chain_id {id} (also chain[{first}])");
            ctx.error(origin, format!("chain[{i}].chain_id"), message);
        } else if let Some((id, _)) = &slot.chain_id {
            ids.insert(*id, i);
        }
    }
    slots
}

fn chain<'a>(ctx: &mut Ctx, key: &str, node: &'a Node) -> ChainSlot<'a> {
    let Some(mut fields) = ctx.table(key, node, schema::CHAIN) else {
        return ChainSlot {
            name: None,
            chain_id: None,
            config: None,
        };
    };
    let name = fields
        .required(ctx, "name")
        .and_then(|n| values::name(ctx, &fields.key("name"), n).map(|name| (name, &n.origin)));
    let chain_id = fields.required(ctx, "chain_id").and_then(|n| {
        let full = fields.key("chain_id");
        let id = ctx.uint(&full, n)?;
        if id == 0 {
            ctx.error(&n.origin, full, "must be a positive chain id");
            return None;
        }
        Some((id, &n.origin))
    });
    let rpc = fields.required(ctx, "rpc").and_then(|n| {
        let full = fields.key("rpc");
        let items = ctx.strings(&full, n, true)?;
        if items.is_empty() {
            ctx.error(&n.origin, full, "at least one RPC URL is required");
            return None;
        }
        let urls: Vec<_> = items
            .iter()
            .filter_map(|(key, _, node)| values::url(ctx, key, node, &["http", "https"]))
            .collect();
        (urls.len() == items.len()).then_some(urls)
    });
    let ws = match fields.get("ws") {
        None => Some(None),
        Some(n) => values::url(ctx, &fields.key("ws"), n, &["ws", "wss"]).map(Some),
    };
    let confirmations = values::bounded(
        ctx,
        &mut fields,
        "confirmations",
        0..=u64::MAX,
        DEFAULT_CONFIRMATIONS,
    );
    let poll_interval_ms = values::bounded(
        ctx,
        &mut fields,
        "poll_interval_ms",
        1..=u64::MAX,
        DEFAULT_POLL_INTERVAL_MS,
    );
    let max_block_range = values::bounded(
        ctx,
        &mut fields,
        "max_block_range",
        1..=u64::MAX,
        DEFAULT_MAX_BLOCK_RANGE,
    );
    let fetch_concurrency = values::bounded_usize(
        ctx,
        &mut fields,
        "fetch_concurrency",
        1..=64,
        DEFAULT_FETCH_CONCURRENCY,
    );
    let batch_events = values::bounded_usize(
        ctx,
        &mut fields,
        "batch_events",
        1..=u64::MAX,
        DEFAULT_BATCH_EVENTS,
    );
    let commit_interval_ms = values::bounded(
        ctx,
        &mut fields,
        "commit_interval_ms",
        1..=u64::MAX,
        DEFAULT_COMMIT_INTERVAL_MS,
    );
    let refresh_blocks = values::bounded(
        ctx,
        &mut fields,
        "refresh_blocks",
        1..=u64::MAX,
        DEFAULT_REFRESH_BLOCKS,
    );
    let on_error = match fields.get("on_error") {
        None => Some(OnError::default()),
        Some(n) => {
            let full = fields.key("on_error");
            ctx.string(&full, n).and_then(|text| {
                OnError::from_str(text)
                    .map_err(|e| ctx.error(&n.origin, full, e.to_string()))
                    .ok()
            })
        }
    };
    let max_lag_blocks = values::bounded(
        ctx,
        &mut fields,
        "max_lag_blocks",
        0..=u64::MAX,
        DEFAULT_MAX_LAG_BLOCKS,
    );
    let bloom_check = match fields.get("bloom_check") {
        None => Some(BloomCheck::default()),
        Some(n) => {
            let full = fields.key("bloom_check");
            ctx.string(&full, n).and_then(|text| {
                BloomCheck::from_str(text)
                    .map_err(|e| ctx.error(&n.origin, full, e))
                    .ok()
            })
        }
    };
    fields.finish(ctx);
    let config = (|| {
        Some(ChainConfig {
            name: name.as_ref()?.0.clone(),
            chain_id: chain_id?.0,
            rpc: rpc?,
            ws: ws?,
            confirmations: confirmations?,
            poll_interval_ms: poll_interval_ms?,
            max_block_range: max_block_range?,
            fetch_concurrency: fetch_concurrency?,
            batch_events: batch_events?,
            commit_interval_ms: commit_interval_ms?,
            refresh_blocks: refresh_blocks?,
            on_error: on_error?,
            max_lag_blocks: max_lag_blocks?,
            bloom_check: bloom_check?,
        })
    })();
    ChainSlot {
        name,
        chain_id,
        config,
    }
}
