//! The stored form of raw events: chunks of one emitter's logs in one block.
//!
//! A chunk's body is a format byte followed by RLP (Ethereum's own encoding
//! of logs, through alloy-rlp). Everything a chunk's events share (chain,
//! block, block hash, emitter, contract entry) is stored once, in the
//! chunk's columns. Two formats:
//! - 1: the list of events with their name and argument text, for events
//!   that come with rendered text (rows moved from the old events table);
//! - 2: raw logs with their event ABIs, rendered when read
//!   ([`super::abi_body`]);
//! - 3: as 2, with topics and data stripped of their leading zero bytes;
//!   what the indexer writes.

use std::borrow::Cow;
use std::sync::Arc;

use alloy_primitives::{Address, B256, Bytes};
use alloy_rlp::{Decodable, RlpDecodable, RlpEncodable};
use tributary_abi::EventDecoder;
use tributary_types::{ChainId, EventArgs, RawLog, StoredEvent};

use super::abi_body::{self, Decoders, Layout};
use crate::StoreError;

/// Most events one chunk holds: small enough that a page of the events API
/// decodes little it does not return, large enough that a backfill writes
/// a few rows per block instead of one per event.
pub(crate) const CHUNK_EVENTS: usize = 256;

/// Body formats. A reader meeting another one stops with
/// [`StoreError::Corrupt`] instead of guessing.
const FORMAT_RLP_V1: u8 = 1;
const FORMAT_ABI_V2: u8 = 2;
const FORMAT_ABI_V3: u8 = 3;

/// One event inside a chunk body: what is not shared with the chunk.
#[derive(Debug, Clone, PartialEq, Eq, RlpEncodable, RlpDecodable)]
struct Entry {
    log_index: u64,
    tx_index: u64,
    tx_hash: B256,
    topics: Vec<B256>,
    data: Bytes,
    event: String,
    /// Decoded arguments as API JSON text.
    args: String,
}

/// An [`Entry`] borrowed from a stored event: the same encoding, written
/// without copying the event's topics, data and text first.
#[derive(RlpEncodable)]
struct EntryRef<'a> {
    log_index: u64,
    tx_index: u64,
    tx_hash: &'a B256,
    topics: &'a Vec<B256>,
    data: &'a Bytes,
    event: &'a str,
    args: &'a str,
}

impl<'a> EntryRef<'a> {
    /// `None` for an event without rendered text (see format 2).
    fn of(e: &'a StoredEvent) -> Option<Self> {
        let EventArgs::Text(args) = &e.args else {
            return None;
        };
        Some(Self {
            log_index: e.log.log_index,
            tx_index: e.log.tx_index,
            tx_hash: &e.log.tx_hash,
            topics: &e.log.topics,
            data: &e.log.data,
            event: &e.event,
            args,
        })
    }
}

/// A chunk as its table row holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChunkRow {
    pub block_number: u64,
    pub first_log_index: u64,
    pub last_log_index: u64,
    pub events: u64,
    pub block_hash: B256,
    pub address: Address,
    pub contract: String,
    pub body: Vec<u8>,
}

/// One stored event, as a chunk gives it back.
#[derive(Debug, Clone)]
pub(crate) struct ChunkEvent {
    pub chain_id: ChainId,
    pub contract: String,
    pub event: String,
    pub args: ChunkArgs,
    pub log: RawLog,
}

/// A stored event's arguments as read: rendered on demand, since most
/// reads (rebuilds, duplicate checks) only want the logs.
#[derive(Debug, Clone)]
pub(crate) enum ChunkArgs {
    /// API JSON text, stored so (format 1).
    Text(String),
    /// To be rendered from the log by its event's decoder (format 2).
    Abi(Arc<EventDecoder>),
}

impl ChunkEvent {
    /// The (block_number, log_index, chain_id) order of the events API.
    pub fn position(&self) -> (u64, u64, ChainId) {
        (self.log.block_number, self.log.log_index, self.chain_id)
    }

    /// The arguments as API JSON text.
    pub fn args_text(&self) -> Result<Cow<'_, str>, StoreError> {
        match &self.args {
            ChunkArgs::Text(text) => Ok(Cow::Borrowed(text)),
            ChunkArgs::Abi(decoder) => decoder
                .render(&self.log)
                .map(Cow::Owned)
                .map_err(|e| self.corrupt(e)),
        }
    }

    /// The arguments as the API's JSON value: for format 2 built from the
    /// decoded values, not written as text and parsed back.
    pub fn args_value(&self) -> Result<serde_json::Value, StoreError> {
        match &self.args {
            ChunkArgs::Text(text) => serde_json::from_str(text).map_err(|e| self.corrupt(e)),
            ChunkArgs::Abi(decoder) => decoder
                .decode(&self.log)
                .map(|values| decoder.args_value(&values))
                .map_err(|e| self.corrupt(e)),
        }
    }

    fn corrupt(&self, error: impl std::fmt::Display) -> StoreError {
        StoreError::Corrupt {
            what: format!("event args: {error}"),
        }
    }
}

/// Groups `events` into chunks: per block, emitter and contract entry, in
/// log order, at most [`CHUNK_EVENTS`] each, and with either rendered or
/// unrendered arguments. `events` must hold each (block, log index)
/// position once.
pub(crate) fn chunk(events: &[&StoredEvent]) -> Vec<ChunkRow> {
    let mut order: Vec<&StoredEvent> = events.to_vec();
    order.sort_by(|a, b| {
        (
            a.log.block_number,
            a.log.address,
            &a.contract,
            a.log.log_index,
        )
            .cmp(&(
                b.log.block_number,
                b.log.address,
                &b.contract,
                b.log.log_index,
            ))
    });
    let mut rows = Vec::new();
    let mut start = 0;
    while start < order.len() {
        let head = order[start];
        let mut end = start + 1;
        while end < order.len()
            && end - start < CHUNK_EVENTS
            && order[end].log.block_number == head.log.block_number
            && order[end].log.address == head.log.address
            && order[end].contract == head.contract
            && abi_body::abi_of(order[end]).is_some() == abi_body::abi_of(head).is_some()
        {
            end += 1;
        }
        rows.push(chunk_row(&order[start..end]));
        start = end;
    }
    rows
}

/// One chunk of events that share block, emitter and contract, in log order.
fn chunk_row(events: &[&StoredEvent]) -> ChunkRow {
    let head = events[0];
    // [`chunk`] makes runs of one kind of arguments, so neither branch
    // meets an event of the other kind.
    let body = if abi_body::abi_of(head).is_some() {
        let mut body = Vec::with_capacity(64 + events.len() * 80);
        body.push(FORMAT_ABI_V3);
        abi_body::encode(events, Layout::Compact, &mut body);
        body
    } else {
        let entries: Vec<EntryRef<'_>> = events.iter().filter_map(|e| EntryRef::of(e)).collect();
        let mut body = Vec::with_capacity(1 + entries.len() * 320);
        body.push(FORMAT_RLP_V1);
        alloy_rlp::encode_list(&entries, &mut body);
        body
    };
    ChunkRow {
        block_number: head.log.block_number,
        first_log_index: head.log.log_index,
        last_log_index: events[events.len() - 1].log.log_index,
        events: events.len() as u64,
        block_hash: head.log.block_hash,
        address: head.log.address,
        contract: head.contract.clone(),
        body,
    }
}

/// What a chunk row shares with all its events.
#[derive(Debug, Clone)]
pub(crate) struct ChunkHead {
    pub chain_id: ChainId,
    pub block_number: u64,
    pub block_hash: B256,
    pub address: Address,
    pub contract: String,
}

/// The events of a chunk body, in log order.
pub(crate) fn unchunk(
    head: &ChunkHead,
    body: &[u8],
    decoders: &mut Decoders,
) -> Result<Vec<ChunkEvent>, StoreError> {
    let corrupt = |what: String| StoreError::Corrupt {
        what: format!(
            "event chunk of block {} at {}: {what}",
            head.block_number, head.address
        ),
    };
    let (format, mut rest) = body
        .split_first()
        .ok_or_else(|| corrupt("empty body".into()))?;
    if *format == FORMAT_ABI_V2 || *format == FORMAT_ABI_V3 {
        let layout = if *format == FORMAT_ABI_V2 {
            Layout::Full
        } else {
            Layout::Compact
        };
        return abi_body::decode(head, rest, layout, decoders).map_err(corrupt);
    }
    if *format != FORMAT_RLP_V1 {
        return Err(corrupt(format!("unknown body format {format}")));
    }
    let entries = Vec::<Entry>::decode(&mut rest).map_err(|e| corrupt(e.to_string()))?;
    if !rest.is_empty() {
        return Err(corrupt(format!("{} bytes after the events", rest.len())));
    }
    Ok(entries
        .into_iter()
        .map(|e| ChunkEvent {
            chain_id: head.chain_id,
            contract: head.contract.clone(),
            event: e.event,
            args: ChunkArgs::Text(e.args),
            log: RawLog {
                block_number: head.block_number,
                block_hash: head.block_hash,
                tx_hash: e.tx_hash,
                tx_index: e.tx_index,
                log_index: e.log_index,
                address: head.address,
                topics: e.topics,
                data: e.data,
            },
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_rlp::Encodable;

    fn event(block: u64, log_index: u64, address: u8, contract: &str) -> StoredEvent {
        StoredEvent {
            chain_id: 1,
            contract: contract.into(),
            event: "Transfer".into(),
            args: EventArgs::Text(serde_json::json!({"from": "0xab", "value": "7"}).to_string()),
            log: RawLog {
                block_number: block,
                block_hash: B256::repeat_byte(block as u8),
                tx_hash: B256::repeat_byte(9),
                tx_index: log_index / 3,
                log_index,
                address: Address::repeat_byte(address),
                topics: vec![B256::repeat_byte(1), B256::repeat_byte(2)],
                data: Bytes::from(vec![3u8; 32]),
            },
        }
    }

    #[test]
    fn chunks_round_trip_every_field_in_log_order() {
        let mut events = Vec::new();
        for i in (0..600).rev() {
            events.push(event(5 + i / 300, u64::MAX - 1000 + i, (i % 2) as u8, "T"));
        }
        let refs: Vec<&StoredEvent> = events.iter().collect();
        let rows = chunk(&refs);
        // Per block (2) and emitter (2): 150 events each, under the cap.
        assert_eq!(rows.len(), 4);
        let mut back = Vec::new();
        for r in &rows {
            assert!(r.events as usize <= CHUNK_EVENTS);
            let head = ChunkHead {
                chain_id: 1,
                block_number: r.block_number,
                block_hash: r.block_hash,
                address: r.address,
                contract: r.contract.clone(),
            };
            let got = unchunk(&head, &r.body, &mut Decoders::default()).unwrap();
            assert_eq!(got.len() as u64, r.events);
            assert_eq!(got[0].log.log_index, r.first_log_index);
            assert_eq!(got.last().unwrap().log.log_index, r.last_log_index);
            assert!(
                got.windows(2)
                    .all(|w| w[0].log.log_index < w[1].log.log_index)
            );
            back.extend(got);
        }
        back.sort_by_key(|e| e.position());
        events.sort_by_key(|e| (e.log.block_number, e.log.log_index));
        assert_eq!(back.len(), events.len());
        for (b, e) in back.iter().zip(&events) {
            assert_eq!(b.log, e.log);
            assert_eq!(b.contract, e.contract);
            assert_eq!(b.event, e.event);
            assert_eq!(EventArgs::Text(b.args_text().unwrap().into_owned()), e.args);
        }
    }

    #[test]
    fn borrowed_entries_encode_as_owned_ones() {
        let e = event(5, 1 << 40, 3, "Token");
        let EventArgs::Text(args) = &e.args else {
            unreachable!()
        };
        let owned = Entry {
            log_index: e.log.log_index,
            tx_index: e.log.tx_index,
            tx_hash: e.log.tx_hash,
            topics: e.log.topics.clone(),
            data: e.log.data.clone(),
            event: e.event.clone(),
            args: args.clone(),
        };
        let borrowed = EntryRef::of(&e).unwrap();
        assert_eq!(alloy_rlp::encode(&owned), alloy_rlp::encode(&borrowed));
        assert_eq!(owned.length(), borrowed.length());
    }

    #[test]
    fn a_busy_emitter_is_split_at_the_cap() {
        let events: Vec<StoredEvent> = (0..(CHUNK_EVENTS as u64 * 2 + 1))
            .map(|i| event(1, i, 1, "T"))
            .collect();
        let refs: Vec<&StoredEvent> = events.iter().collect();
        let rows = chunk(&refs);
        let sizes: Vec<u64> = rows.iter().map(|r| r.events).collect();
        assert_eq!(sizes, vec![256, 256, 1]);
        assert_eq!(rows[1].first_log_index, 256);
    }

    #[test]
    fn a_damaged_body_is_an_error_not_a_panic() {
        let events = [event(1, 0, 1, "T")];
        let rows = chunk(&events.iter().collect::<Vec<_>>());
        let head = ChunkHead {
            chain_id: 1,
            block_number: 1,
            block_hash: B256::ZERO,
            address: Address::ZERO,
            contract: "T".into(),
        };
        let mut body = rows[0].body.clone();
        body.truncate(body.len() / 2);
        let decoders = &mut Decoders::default();
        assert!(unchunk(&head, &body, decoders).is_err());
        assert!(unchunk(&head, &[], decoders).is_err());
        assert!(unchunk(&head, &[7, 0xc0], decoders).is_err());
    }
}
