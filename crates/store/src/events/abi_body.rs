//! Chunk bodies of formats 2 and 3: raw logs with their event ABIs; the
//! arguments' text is rendered when an event is read.
//!
//! The body is the RLP of the chunk's distinct event ABIs (JSON items) and
//! its entries. Per entry it leaves out what the chunk already says:
//! - the transaction hash, when it is the previous entry's (an empty string);
//! - topic 0, when it is the selector of the entry's ABI (the low bit of the
//!   entry's ABI field says so; anonymous events keep theirs).
//!
//! Format 3 ([`Layout::Compact`], what the indexer writes) also leaves out
//! the leading zero bytes of each topic and of the data, with the data's
//! length kept: addresses in topics and amounts in data are mostly zeros.
//! A Transfer takes about 65 bytes so, 110 in format 2 ([`Layout::Full`],
//! written before), and about 330 with its name, transaction hash, topic 0
//! and argument text written out (format 1). Every byte a chunk carries is
//! written twice by SQLite (log, then checkpoint) and into PostgreSQL's
//! TOAST table and WAL.

use std::collections::HashMap;
use std::sync::Arc;

use alloy_primitives::{B256, Bytes};
use alloy_rlp::{Decodable, RlpDecodable, RlpEncodable};
use tributary_abi::EventDecoder;
use tributary_types::{EventAbi, EventArgs, RawLog, StoredEvent};

use super::codec::{ChunkArgs, ChunkEvent, ChunkHead};

/// How a body writes topics and data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Layout {
    /// Whole (format 2).
    Full,
    /// Without leading zero bytes (format 3).
    Compact,
}

/// Longest log data a compact body may restore (a log's data is bounded by
/// the block's gas, a few megabytes): a damaged length must not allocate
/// without bound.
const MAX_DATA: u64 = 1 << 26;

/// One event of a body: what is not shared with the chunk.
#[derive(RlpDecodable)]
struct Entry {
    log_index: u64,
    tx_index: u64,
    /// Empty: the previous entry's.
    tx_hash: Bytes,
    /// Index into the chunk's ABIs, times two, plus one when topic 0 is
    /// left out (it is that ABI's selector).
    abi: u64,
    topics: Vec<B256>,
    data: Bytes,
}

#[derive(RlpDecodable)]
struct Body {
    abis: Vec<String>,
    entries: Vec<Entry>,
}

/// An [`Entry`] of a compact body.
#[derive(RlpDecodable)]
struct CompactEntry {
    log_index: u64,
    tx_index: u64,
    tx_hash: Bytes,
    abi: u64,
    /// Each without its leading zero bytes.
    topics: Vec<Bytes>,
    data_len: u64,
    /// Without its leading zero bytes.
    data: Bytes,
}

#[derive(RlpDecodable)]
struct CompactBody {
    abis: Vec<String>,
    entries: Vec<CompactEntry>,
}

impl TryFrom<CompactEntry> for Entry {
    type Error = String;

    fn try_from(e: CompactEntry) -> Result<Self, String> {
        let topics = e
            .topics
            .iter()
            .map(|t| {
                if t.len() > 32 {
                    return Err(format!("topic of {} bytes", t.len()));
                }
                let mut topic = B256::ZERO;
                topic[32 - t.len()..].copy_from_slice(t);
                Ok(topic)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let zeros = e
            .data_len
            .checked_sub(e.data.len() as u64)
            .filter(|_| e.data_len <= MAX_DATA)
            .ok_or_else(|| format!("{} data bytes kept of {}", e.data.len(), e.data_len))?;
        let mut data = vec![0u8; zeros as usize];
        data.extend_from_slice(&e.data);
        Ok(Entry {
            log_index: e.log_index,
            tx_index: e.tx_index,
            tx_hash: e.tx_hash,
            abi: e.abi,
            topics,
            data: data.into(),
        })
    }
}

/// `bytes` without its leading zero bytes.
fn strip(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

/// An [`Entry`] borrowed from a stored event.
#[derive(RlpEncodable)]
struct EntryRef<'a> {
    log_index: u64,
    tx_index: u64,
    tx_hash: &'a [u8],
    abi: u64,
    topics: Topics<'a>,
    data: &'a Bytes,
}

/// A list of topics encoded from a slice (alloy-rlp encodes `Vec`s, and
/// topic 0 may be left out).
struct Topics<'a>(&'a [B256]);

impl alloy_rlp::Encodable for Topics<'_> {
    fn encode(&self, out: &mut dyn alloy_rlp::BufMut) {
        alloy_rlp::encode_list::<B256, B256>(self.0, out);
    }

    fn length(&self) -> usize {
        alloy_rlp::list_length::<B256, B256>(self.0)
    }
}

/// Topics without their leading zero bytes, encoded from a slice.
struct StrippedTopics<'a>(&'a [B256]);

impl StrippedTopics<'_> {
    fn payload_length(&self) -> usize {
        self.0
            .iter()
            .map(|t| alloy_rlp::Encodable::length(strip(t.as_slice())))
            .sum()
    }
}

impl alloy_rlp::Encodable for StrippedTopics<'_> {
    fn encode(&self, out: &mut dyn alloy_rlp::BufMut) {
        alloy_rlp::Header {
            list: true,
            payload_length: self.payload_length(),
        }
        .encode(out);
        for t in self.0 {
            strip(t.as_slice()).encode(out);
        }
    }

    fn length(&self) -> usize {
        let payload_length = self.payload_length();
        alloy_rlp::length_of_length(payload_length) + payload_length
    }
}

/// A [`CompactEntry`] borrowed from a stored event.
#[derive(RlpEncodable)]
struct CompactEntryRef<'a> {
    log_index: u64,
    tx_index: u64,
    tx_hash: &'a [u8],
    abi: u64,
    topics: StrippedTopics<'a>,
    data_len: u64,
    data: &'a [u8],
}

#[derive(RlpEncodable)]
struct BodyRef<'a, E: alloy_rlp::Encodable> {
    abis: Vec<&'a str>,
    entries: Vec<E>,
}

/// The ABI of an event the indexer wrote unrendered.
pub(super) fn abi_of(e: &StoredEvent) -> Option<&Arc<EventAbi>> {
    match &e.args {
        EventArgs::Abi(abi) => Some(abi),
        EventArgs::Text(_) => None,
    }
}

/// Appends the body of `events` (log order, each with [`abi_of`]).
pub(super) fn encode(events: &[&StoredEvent], layout: Layout, out: &mut Vec<u8>) {
    let mut abis: Vec<&Arc<EventAbi>> = Vec::new();
    let mut entries = Vec::with_capacity(events.len());
    let mut compact = Vec::with_capacity(events.len());
    let mut previous_tx: Option<&B256> = None;
    for e in events {
        let Some(abi) = abi_of(e) else { continue };
        let index = match abis
            .iter()
            .position(|a| Arc::ptr_eq(a, abi) || a.json == abi.json)
        {
            Some(i) => i,
            None => {
                abis.push(abi);
                abis.len() - 1
            }
        };
        let elided = abi.selector.is_some() && e.log.topics.first() == abi.selector.as_ref();
        let tx_hash: &[u8] = if previous_tx == Some(&e.log.tx_hash) {
            &[]
        } else {
            e.log.tx_hash.as_slice()
        };
        previous_tx = Some(&e.log.tx_hash);
        let abi = index as u64 * 2 + u64::from(elided);
        let topics = if elided {
            &e.log.topics[1..]
        } else {
            &e.log.topics
        };
        match layout {
            Layout::Full => entries.push(EntryRef {
                log_index: e.log.log_index,
                tx_index: e.log.tx_index,
                tx_hash,
                abi,
                topics: Topics(topics),
                data: &e.log.data,
            }),
            Layout::Compact => compact.push(CompactEntryRef {
                log_index: e.log.log_index,
                tx_index: e.log.tx_index,
                tx_hash,
                abi,
                topics: StrippedTopics(topics),
                data_len: e.log.data.len() as u64,
                data: strip(&e.log.data),
            }),
        }
    }
    let abis = abis.iter().map(|a| &*a.json).collect();
    match layout {
        Layout::Full => alloy_rlp::Encodable::encode(&BodyRef { abis, entries }, out),
        Layout::Compact => alloy_rlp::Encodable::encode(
            &BodyRef {
                abis,
                entries: compact,
            },
            out,
        ),
    }
}

/// Decoders of stored ABIs, parsed once per read.
#[derive(Default)]
pub(crate) struct Decoders(HashMap<String, Arc<EventDecoder>>);

impl Decoders {
    fn get(&mut self, json: String) -> Result<Arc<EventDecoder>, String> {
        if let Some(d) = self.0.get(&json) {
            return Ok(Arc::clone(d));
        }
        let decoder =
            Arc::new(EventDecoder::from_json(&json).map_err(|e| format!("stored ABI: {e}"))?);
        self.0.insert(json, Arc::clone(&decoder));
        Ok(decoder)
    }
}

/// The events of a format-2 or 3 body (after its format byte), in stored
/// order. Errors name what is damaged.
pub(super) fn decode(
    head: &ChunkHead,
    mut body: &[u8],
    layout: Layout,
    decoders: &mut Decoders,
) -> Result<Vec<ChunkEvent>, String> {
    let (abis, entries) = match layout {
        Layout::Full => {
            let Body { abis, entries } = Body::decode(&mut body).map_err(|e| e.to_string())?;
            (abis, entries)
        }
        Layout::Compact => {
            let CompactBody { abis, entries } =
                CompactBody::decode(&mut body).map_err(|e| e.to_string())?;
            let entries = entries
                .into_iter()
                .map(Entry::try_from)
                .collect::<Result<Vec<_>, _>>()?;
            (abis, entries)
        }
    };
    if !body.is_empty() {
        return Err(format!("{} bytes after the events", body.len()));
    }
    let abis = abis
        .into_iter()
        .map(|json| decoders.get(json))
        .collect::<Result<Vec<_>, _>>()?;
    let mut previous_tx = None;
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        let decoder = usize::try_from(entry.abi / 2)
            .ok()
            .and_then(|i| abis.get(i))
            .ok_or_else(|| format!("entry names ABI {} of {}", entry.abi / 2, abis.len()))?;
        let tx_hash = match (entry.tx_hash.len(), previous_tx) {
            (0, Some(previous)) => previous,
            (32, _) => B256::from_slice(&entry.tx_hash),
            (n, _) => return Err(format!("transaction hash of {n} bytes")),
        };
        previous_tx = Some(tx_hash);
        let topics = if entry.abi % 2 == 1 {
            let selector = decoder
                .stored()
                .selector
                .ok_or("topic 0 left out of an anonymous event")?;
            let mut topics = Vec::with_capacity(entry.topics.len() + 1);
            topics.push(selector);
            topics.extend(entry.topics);
            topics
        } else {
            entry.topics
        };
        out.push(ChunkEvent {
            chain_id: head.chain_id,
            contract: head.contract.clone(),
            event: decoder.abi.name.clone(),
            args: ChunkArgs::Abi(Arc::clone(decoder)),
            log: RawLog {
                block_number: head.block_number,
                block_hash: head.block_hash,
                tx_hash,
                tx_index: entry.tx_index,
                log_index: entry.log_index,
                address: head.address,
                topics,
                data: entry.data,
            },
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::codec::{chunk, unchunk};
    use alloy_primitives::{Address, U256};

    const TRANSFER: &str = r#"{"type":"event","name":"Transfer","anonymous":false,"inputs":[
        {"name":"from","type":"address","indexed":true},
        {"name":"to","type":"address","indexed":true},
        {"name":"value","type":"uint256","indexed":false}]}"#;
    const NOTE: &str = r#"{"type":"event","name":"Note","anonymous":true,"inputs":[
        {"name":"who","type":"address","indexed":true},
        {"name":"memo","type":"string","indexed":false}]}"#;

    fn decoder(json: &str) -> EventDecoder {
        EventDecoder::from_json(json).unwrap()
    }

    /// An event as the indexer writes it: its ABI, not its text.
    fn event(
        d: &EventDecoder,
        log_index: u64,
        tx: u8,
        topics: Vec<B256>,
        data: Vec<u8>,
    ) -> StoredEvent {
        StoredEvent {
            chain_id: 1,
            contract: "Token".into(),
            event: d.abi.name.clone(),
            args: EventArgs::Abi(d.stored().clone()),
            log: RawLog {
                block_number: 9,
                block_hash: B256::repeat_byte(7),
                tx_hash: B256::repeat_byte(tx),
                tx_index: u64::from(tx),
                log_index,
                address: Address::repeat_byte(0xaa),
                topics,
                data: data.into(),
            },
        }
    }

    fn head() -> ChunkHead {
        ChunkHead {
            chain_id: 1,
            block_number: 9,
            block_hash: B256::repeat_byte(7),
            address: Address::repeat_byte(0xaa),
            contract: "Token".into(),
        }
    }

    fn transfer(d: &EventDecoder, log_index: u64, tx: u8, value: u64) -> StoredEvent {
        let (from, to) = (Address::repeat_byte(1), Address::repeat_byte(2));
        event(
            d,
            log_index,
            tx,
            vec![d.selector(), from.into_word(), to.into_word()],
            U256::from(value).to_be_bytes_vec(),
        )
    }

    /// Every log comes back whole (topic 0 and repeated transaction hashes
    /// restored), and its text is what rendering at ingest would have
    /// stored, for selector-led, anonymous and odd (topic 0 not the
    /// selector) events in one chunk.
    #[test]
    fn logs_and_text_come_back_as_written() {
        let (t, n) = (decoder(TRANSFER), decoder(NOTE));
        let memo = alloy_primitives::hex::decode(
            "0000000000000000000000000000000000000000000000000000000000000020\
             0000000000000000000000000000000000000000000000000000000000000002\
             6869000000000000000000000000000000000000000000000000000000000000",
        )
        .unwrap();
        let mut odd = transfer(&t, 4, 3, 5);
        odd.log.topics[0] = B256::repeat_byte(0xee);
        // Zero topics and data (all of it leading zeros), and none at all.
        let zeros = event(
            &t,
            5,
            3,
            vec![t.selector(), B256::ZERO, B256::ZERO],
            vec![0; 32],
        );
        let empty = event(&n, 6, 3, vec![B256::ZERO], vec![]);
        let events = vec![
            transfer(&t, 0, 1, 10),
            transfer(&t, 1, 1, 11),
            event(&n, 2, 1, vec![Address::repeat_byte(3).into_word()], memo),
            transfer(&t, 3, 2, u64::MAX),
            odd,
            zeros,
            empty,
        ];
        let rows = chunk(&events.iter().collect::<Vec<_>>());
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].body[0], 3, "format 3");
        // Bodies written in format 2 (before format 3) read back the same.
        let refs: Vec<&StoredEvent> = events.iter().collect();
        let mut full = vec![2u8];
        encode(&refs, Layout::Full, &mut full);
        assert!(full.len() > rows[0].body.len());
        for body in [&rows[0].body, &full] {
            check_logs_and_text(&t, &n, &events, body);
        }
    }

    fn check_logs_and_text(
        t: &EventDecoder,
        n: &EventDecoder,
        events: &[StoredEvent],
        body: &[u8],
    ) {
        let back = unchunk(&head(), body, &mut Decoders::default()).unwrap();
        assert_eq!(back.len(), events.len());
        for (b, e) in back.iter().zip(events) {
            assert_eq!(b.log, e.log);
            assert_eq!(b.event, e.event);
            assert_eq!(b.contract, e.contract);
        }
        assert_eq!(
            back[0].args_text().unwrap(),
            r#"{"from":"0x0101010101010101010101010101010101010101","to":"0x0202020202020202020202020202020202020202","value":"10"}"#
        );
        assert_eq!(
            back[2].args_text().unwrap(),
            r#"{"who":"0x0303030303030303030303030303030303030303","memo":"hi"}"#
        );
        for (b, e) in back.iter().zip(events).take(4) {
            let d = if e.event == "Note" { n } else { t };
            assert_eq!(b.args_text().unwrap(), d.render(&e.log).unwrap());
            // The API's value, built without the text, is the text's.
            let parsed: serde_json::Value = serde_json::from_str(&b.args_text().unwrap()).unwrap();
            assert_eq!(b.args_value().unwrap(), parsed);
        }
        // A log whose topic 0 is not its ABI's selector was stored whole,
        // but cannot be rendered by that ABI: an error, never a panic.
        assert!(back[4].args_text().is_err());
        assert!(back[4].args_value().is_err());
    }

    /// A Transfer of a token amount (0.01 to 2.56 of 18 decimals) takes about a fifth of
    /// the bytes it took with its text.
    #[test]
    fn a_transfer_takes_about_65_bytes() {
        let t = decoder(TRANSFER);
        let events: Vec<StoredEvent> = (0..256)
            .map(|i| transfer(&t, i, (i / 50) as u8, (i + 1) * 10_000_000_000_000_003))
            .collect();
        let rows = chunk(&events.iter().collect::<Vec<_>>());
        let per_event = rows[0].body.len() / 256;
        assert!(per_event <= 66, "{per_event} bytes per event");
    }

    /// Rendered and unrendered events of one emitter and block go to
    /// separate chunks, each in its own format, and read back in log order.
    #[test]
    fn text_and_abi_events_keep_their_own_chunks() {
        let t = decoder(TRANSFER);
        let mut text = transfer(&t, 1, 1, 1);
        text.args = EventArgs::Text(r#"{"x":"1"}"#.into());
        let events = [transfer(&t, 0, 1, 0), text, transfer(&t, 2, 1, 2)];
        let rows = chunk(&events.iter().collect::<Vec<_>>());
        let formats: Vec<(u8, u64)> = rows.iter().map(|r| (r.body[0], r.events)).collect();
        assert_eq!(formats, vec![(3, 1), (1, 1), (3, 1)]);
        let decoders = &mut Decoders::default();
        let texts: Vec<String> = rows
            .iter()
            .flat_map(|r| unchunk(&head(), &r.body, decoders).unwrap())
            .map(|e| e.args_text().unwrap().into_owned())
            .collect();
        assert_eq!(texts[1], r#"{"x":"1"}"#);
        assert_eq!(texts[2], t.render(&events[2].log).unwrap());
    }

    #[test]
    fn damaged_bodies_are_errors_not_panics() {
        let t = decoder(TRANSFER);
        let encode = |abis: Vec<&str>, entries: Vec<EntryRef<'_>>| {
            let mut body = vec![2u8];
            alloy_rlp::Encodable::encode(&BodyRef { abis, entries }, &mut body);
            body
        };
        let data = Bytes::from(vec![0u8; 32]);
        let topics = [B256::ZERO, B256::ZERO];
        let entry = |tx_hash: &'static [u8], abi: u64| EntryRef {
            log_index: 0,
            tx_index: 0,
            tx_hash,
            abi,
            topics: Topics(&topics),
            data: &data,
        };
        let decoders = &mut Decoders::default();
        let cases = [
            (
                "ABI index out of range",
                encode(vec![TRANSFER], vec![entry(&[1; 32], 2)]),
            ),
            (
                "first entry without a hash",
                encode(vec![TRANSFER], vec![entry(&[], 1)]),
            ),
            (
                "short hash",
                encode(vec![TRANSFER], vec![entry(&[1; 5], 1)]),
            ),
            ("not an ABI", encode(vec!["{"], vec![entry(&[1; 32], 1)])),
            (
                "anonymous with topic 0 left out",
                encode(vec![NOTE], vec![entry(&[1; 32], 1)]),
            ),
        ];
        for (what, body) in cases {
            assert!(unchunk(&head(), &body, decoders).is_err(), "{what}");
        }
        let fine = encode(vec![TRANSFER], vec![entry(&[1; 32], 1)]);
        assert_eq!(
            unchunk(&head(), &fine, decoders).unwrap()[0].log.topics[0],
            t.selector()
        );
        let mut trailing = fine.clone();
        trailing.push(0);
        assert!(unchunk(&head(), &trailing, decoders).is_err());
    }

    /// A compact entry whose topic or data cannot be restored.
    #[derive(alloy_rlp::RlpEncodable)]
    struct RawCompact {
        log_index: u64,
        tx_index: u64,
        tx_hash: Bytes,
        abi: u64,
        topics: Vec<Bytes>,
        data_len: u64,
        data: Bytes,
    }

    #[test]
    fn damaged_compact_bodies_are_errors_not_panics() {
        let encode = |topic: usize, data_len: u64, data: usize| {
            let entry = RawCompact {
                log_index: 0,
                tx_index: 0,
                tx_hash: vec![1u8; 32].into(),
                abi: 1,
                topics: vec![vec![1u8; topic].into(), vec![2u8; 20].into()],
                data_len,
                data: vec![3u8; data].into(),
            };
            let mut body = vec![3u8];
            alloy_rlp::Encodable::encode(
                &BodyRef {
                    abis: vec![TRANSFER],
                    entries: vec![entry],
                },
                &mut body,
            );
            body
        };
        let decoders = &mut Decoders::default();
        let fine = unchunk(&head(), &encode(20, 32, 9), decoders).unwrap();
        assert_eq!(fine[0].log.topics[1], Address::repeat_byte(1).into_word());
        assert_eq!(fine[0].log.data.len(), 32);
        assert_eq!(&fine[0].log.data[23..], &[3u8; 9]);
        for (what, body) in [
            ("topic of 33 bytes", encode(33, 32, 9)),
            ("more data kept than its length", encode(20, 8, 9)),
            ("data length past any log", encode(20, u64::MAX, 9)),
        ] {
            assert!(unchunk(&head(), &body, decoders).is_err(), "{what}");
        }
    }
}
