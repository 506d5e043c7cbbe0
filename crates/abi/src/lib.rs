//! ABI-driven decoding of raw logs into named, API-encoded arguments.
//!
//! No per-contract code: every event is decoded from its JSON ABI with
//! alloy's dynamic ABI, and each argument is encoded once here by the API's
//! rules (integers as decimal strings, addresses EIP-55, bytes 0x-hex).
//!
//! The indexer decodes with it at ingest, to project; the store renders
//! stored events' arguments with it when they are read, from the raw log and
//! the event's JSON ABI stored beside it.

use std::sync::Arc;

use alloy::dyn_abi::{DynSolEvent, DynSolType, DynSolValue, DynToken};
use alloy::json_abi::Event;
use alloy::primitives::B256;
use serde_json::{Map, Value};
use tributary_types::{EventAbi, RawLog, checksummed, push_checksummed};

/// An event prepared for decoding: its ABI and its resolved decoder.
#[derive(Debug, Clone)]
pub struct EventDecoder {
    /// The event's ABI.
    pub abi: Event,
    resolved: DynSolEvent,
    /// Topic 0, hashed once: every routed log compares against it.
    selector: B256,
    /// Whether two parameters share a name (a JSON object keeps one).
    duplicate_names: bool,
    /// Per parameter, the JSON text before its value: `{"name":` for the
    /// first, `,"name":` after it (names escaped once, here).
    key_prefixes: Vec<String>,
    /// The ABI as stored events carry it, serialized once.
    stored: Arc<EventAbi>,
    /// Set when every parameter is one ABI word (see [`WordEvent`]).
    words: Option<WordEvent>,
}

/// An event whose parameters are each one ABI word (addresses, integers,
/// bools, fixed bytes, functions), indexed or not: nearly every event an
/// indexer meets, `Transfer` first. A log of the exact shape has each word
/// detokenized by alloy straight into the argument list, in ABI order.
/// `decode_log_parts` builds the indexed and body lists first (three
/// allocations and a token list per log), which was most of decoding's
/// time in a backfill. Any other shape takes `decode_log_parts`, which
/// names what is wrong; where both apply, they agree (tested).
#[derive(Debug, Clone)]
struct WordEvent {
    /// Each parameter's type and whether it is indexed, in ABI order.
    params: Vec<(DynSolType, bool)>,
    /// Topics of a log of this event, topic 0 included unless anonymous.
    topics: usize,
    /// Bytes of its data: one word per parameter not indexed.
    data_len: usize,
}

impl WordEvent {
    fn new(abi: &Event, resolved: &DynSolEvent) -> Option<Self> {
        let (mut indexed, mut body) = (resolved.indexed().iter(), resolved.body().iter());
        let params = abi
            .inputs
            .iter()
            .map(|input| {
                let ty = if input.indexed {
                    indexed.next()
                } else {
                    body.next()
                }?;
                let word = matches!(
                    ty,
                    DynSolType::Address
                        | DynSolType::Function
                        | DynSolType::Bool
                        | DynSolType::FixedBytes(_)
                        | DynSolType::Int(_)
                        | DynSolType::Uint(_)
                );
                word.then(|| (ty.clone(), input.indexed))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Self {
            topics: resolved.indexed().len() + usize::from(!abi.anonymous),
            data_len: 32 * resolved.body().len(),
            params,
        })
    }

    /// The arguments of `log`, or `None` when its shape is not exactly this
    /// event's (then `decode_log_parts` says why, or decodes it).
    fn decode(&self, selector: Option<B256>, log: &RawLog) -> Option<Vec<DynSolValue>> {
        if log.topics.len() != self.topics || log.data.len() != self.data_len {
            return None;
        }
        let mut topics = log.topics.iter();
        if let Some(selector) = selector
            && topics.next() != Some(&selector)
        {
            return None;
        }
        let mut body = alloy::sol_types::abi::Decoder::new(&log.data);
        let mut values = Vec::with_capacity(self.params.len());
        for (ty, indexed) in &self.params {
            let word = if *indexed {
                *topics.next()?
            } else {
                *body.take_word().ok()?
            };
            values.push(ty.detokenize(DynToken::Word(word)).ok()?);
        }
        Some(values)
    }
}

/// Why an event ABI cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum AbiError {
    /// alloy could not resolve a parameter type.
    #[error("{0}")]
    Resolve(#[from] alloy::dyn_abi::Error),
    /// The JSON ABI item could not be written or read.
    #[error("event ABI JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// One ABI value serialized by the API's rules (as [`value_json`] builds it).
struct ApiValue<'a>(&'a DynSolValue);

impl serde::Serialize for ApiValue<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            DynSolValue::Bool(b) => s.serialize_bool(*b),
            DynSolValue::Int(i, _) => s.collect_str(i),
            DynSolValue::Uint(u, _) => s.collect_str(u),
            DynSolValue::FixedBytes(word, size) => {
                s.serialize_str(&format!("0x{}", hex::encode(&word[..*size])))
            }
            DynSolValue::Address(a) => s.serialize_str(&checksummed(a)),
            DynSolValue::Function(f) => {
                s.serialize_str(&format!("0x{}", hex::encode(f.as_slice())))
            }
            DynSolValue::Bytes(b) => s.serialize_str(&format!("0x{}", hex::encode(b))),
            DynSolValue::String(text) => s.serialize_str(text),
            DynSolValue::Array(items)
            | DynSolValue::FixedArray(items)
            | DynSolValue::Tuple(items) => s.collect_seq(items.iter().map(ApiValue)),
        }
    }
}

/// Appends one value's JSON text. Addresses and integers, nearly every
/// argument an indexer meets, are written directly: their text never needs
/// escaping, and serde's per-character escape scan and the integer's
/// generic formatting were most of the cost. The rest go through
/// [`ApiValue`].
fn push_value(out: &mut String, value: &DynSolValue) {
    use std::fmt::Write;
    match value {
        DynSolValue::Address(a) => {
            out.push('"');
            push_checksummed(out, a);
            out.push('"');
        }
        DynSolValue::Uint(u, _) => {
            out.push('"');
            // Writing to a String cannot fail.
            let _ = match u128::try_from(*u) {
                Ok(small) => write!(out, "{small}"),
                Err(_) => write!(out, "{u}"),
            };
            out.push('"');
        }
        DynSolValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        other => match serde_json::to_string(&ApiValue(other)) {
            Ok(text) => out.push_str(&text),
            Err(_) => out.push_str(&value_json(other).to_string()),
        },
    }
}

/// Why a log could not be decoded by the event its selector names.
#[derive(Debug, thiserror::Error)]
#[error("cannot decode log {block}:{log_index} of {address} as {signature}: {reason}")]
pub struct DecodeError {
    /// Block of the log.
    pub block: u64,
    /// Log index.
    pub log_index: u64,
    /// Emitting address.
    pub address: alloy::primitives::Address,
    /// The event signature tried.
    pub signature: String,
    /// What alloy said.
    pub reason: String,
}

impl EventDecoder {
    /// Resolves `abi` once so that decoding many logs costs no re-parsing.
    pub fn new(abi: Event) -> Result<Self, AbiError> {
        let resolved = alloy::dyn_abi::Specifier::<DynSolEvent>::resolve(&abi)?;
        let selector = abi.selector();
        let stored = Arc::new(EventAbi {
            json: serde_json::to_string(&abi)?.into(),
            selector: (!abi.anonymous).then_some(selector),
        });
        let mut names = std::collections::HashSet::new();
        let duplicate_names = !abi
            .inputs
            .iter()
            .filter(|i| !i.name.is_empty())
            .all(|i| names.insert(i.name.as_str()));
        let key_prefixes = abi
            .inputs
            .iter()
            .enumerate()
            .map(|(i, input)| {
                let name = if input.name.is_empty() {
                    i.to_string()
                } else {
                    input.name.clone()
                };
                let open = if i == 0 { '{' } else { ',' };
                // A string always serializes.
                format!("{open}{}:", Value::String(name))
            })
            .collect();
        Ok(Self {
            words: WordEvent::new(&abi, &resolved),
            abi,
            resolved,
            selector,
            duplicate_names,
            key_prefixes,
            stored,
        })
    }

    /// The decoder of a stored event's JSON ABI (see [`EventDecoder::stored`]).
    pub fn from_json(json: &str) -> Result<Self, AbiError> {
        Self::new(serde_json::from_str(json)?)
    }

    /// The ABI as stored events carry it: the JSON item and the selector.
    pub fn stored(&self) -> &Arc<EventAbi> {
        &self.stored
    }

    /// The arguments of `log` as API JSON text.
    pub fn render(&self, log: &RawLog) -> Result<String, DecodeError> {
        Ok(self.args_json(&self.decode(log)?))
    }

    /// The selector (topic 0).
    pub fn selector(&self) -> B256 {
        self.selector
    }

    /// Decodes `log` into its arguments in ABI parameter order.
    pub fn decode(&self, log: &RawLog) -> Result<Vec<DynSolValue>, DecodeError> {
        if let Some(values) = self
            .words
            .as_ref()
            .and_then(|w| w.decode(self.stored.selector, log))
        {
            return Ok(values);
        }
        self.decode_parts(log)
    }

    /// [`EventDecoder::decode`] through `decode_log_parts`, for every shape.
    fn decode_parts(&self, log: &RawLog) -> Result<Vec<DynSolValue>, DecodeError> {
        let decoded = self
            .resolved
            .decode_log_parts(log.topics.iter().copied(), &log.data)
            .map_err(|e| DecodeError {
                block: log.block_number,
                log_index: log.log_index,
                address: log.address,
                signature: self.abi.full_signature(),
                reason: e.to_string(),
            })?;
        let mut indexed = decoded.indexed.into_iter();
        let mut body = decoded.body.into_iter();
        let mut values = Vec::with_capacity(self.abi.inputs.len());
        for input in &self.abi.inputs {
            let next = if input.indexed {
                indexed.next()
            } else {
                body.next()
            };
            // decode_log_parts checked the counts against this same ABI.
            values.push(next.unwrap_or(DynSolValue::Bool(false)));
        }
        Ok(values)
    }

    /// Arguments keyed by ABI name, or by zero-based position when unnamed,
    /// as JSON text: written straight from the values, without building a
    /// `serde_json::Value` tree per event (a fifth of decoding's time).
    pub fn args_json(&self, values: &[DynSolValue]) -> String {
        if self.duplicate_names || values.len() != self.key_prefixes.len() {
            return self.args_value(values).to_string();
        }
        if values.is_empty() {
            return "{}".to_owned();
        }
        let mut out = String::with_capacity(64 * values.len());
        for (prefix, value) in self.key_prefixes.iter().zip(values) {
            out.push_str(prefix);
            push_value(&mut out, value);
        }
        out.push('}');
        out
    }

    /// [`EventDecoder::args_json`] as a JSON value. Where two parameters share
    /// a name, the later one wins.
    pub fn args_value(&self, values: &[DynSolValue]) -> Value {
        let mut map = Map::with_capacity(values.len());
        for (i, (input, value)) in self.abi.inputs.iter().zip(values).enumerate() {
            let key = if input.name.is_empty() {
                i.to_string()
            } else {
                input.name.clone()
            };
            map.insert(key, value_json(value));
        }
        Value::Object(map)
    }
}

/// Encodes one ABI value by the API's rules.
pub fn value_json(value: &DynSolValue) -> Value {
    match value {
        DynSolValue::Bool(b) => Value::Bool(*b),
        DynSolValue::Int(i, _) => Value::String(i.to_string()),
        DynSolValue::Uint(u, _) => Value::String(u.to_string()),
        DynSolValue::FixedBytes(word, size) => {
            Value::String(format!("0x{}", hex::encode(&word[..*size])))
        }
        DynSolValue::Address(a) => Value::String(checksummed(a)),
        DynSolValue::Function(f) => Value::String(format!("0x{}", hex::encode(f.as_slice()))),
        DynSolValue::Bytes(b) => Value::String(format!("0x{}", hex::encode(b))),
        DynSolValue::String(s) => Value::String(s.clone()),
        DynSolValue::Array(items) | DynSolValue::FixedArray(items) | DynSolValue::Tuple(items) => {
            Value::Array(items.iter().map(value_json).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::{Address, Bytes, U256, address};

    fn transfer_log(from: Address, to: Address, value: U256) -> RawLog {
        let abi =
            Event::parse("event Transfer(address indexed from, address indexed to, uint256 value)")
                .unwrap();
        RawLog {
            block_number: 7,
            block_hash: B256::repeat_byte(1),
            tx_hash: B256::repeat_byte(2),
            tx_index: 0,
            log_index: 1 << 33,
            address: address!("0x00000000000000000000000000000000000000aa"),
            topics: vec![abi.selector(), from.into_word(), to.into_word()],
            data: Bytes::from(value.to_be_bytes_vec()),
        }
    }

    #[test]
    fn decodes_erc20_transfer_with_api_encoding() {
        let dec = EventDecoder::new(
            Event::parse("event Transfer(address indexed from, address indexed to, uint256 value)")
                .unwrap(),
        )
        .unwrap();
        let from = address!("0xd8da6bf26964af9d7eed9e03e53415d37aa96045");
        let log = transfer_log(from, Address::ZERO, U256::MAX);
        let values = dec.decode(&log).unwrap();
        let json: Value = serde_json::from_str(&dec.args_json(&values)).unwrap();
        assert_eq!(json["from"], "0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045");
        assert_eq!(json["to"], "0x0000000000000000000000000000000000000000");
        assert_eq!(json["value"], U256::MAX.to_string());
    }

    #[test]
    fn unnamed_parameters_are_keyed_by_position() {
        let dec = EventDecoder::new(Event::parse("event PairCreated(address indexed token0, address indexed token1, address pair, uint256)").unwrap()).unwrap();
        let a = Address::repeat_byte(1);
        let mut data = a.into_word().to_vec();
        data.extend(U256::from(3).to_be_bytes_vec());
        let log = RawLog {
            topics: vec![dec.selector(), a.into_word(), a.into_word()],
            data: data.into(),
            ..transfer_log(a, a, U256::ZERO)
        };
        let json: Value = serde_json::from_str(&dec.args_json(&dec.decode(&log).unwrap())).unwrap();
        assert_eq!(json["3"], "3");
        assert_eq!(json["pair"], a.to_checksum(None));
    }

    #[test]
    fn erc721_transfer_does_not_decode_as_erc20() {
        let dec = EventDecoder::new(
            Event::parse("event Transfer(address indexed from, address indexed to, uint256 value)")
                .unwrap(),
        )
        .unwrap();
        let a = Address::repeat_byte(1);
        let mut log = transfer_log(a, a, U256::ZERO);
        log.topics.push(U256::from(5).into());
        log.data = Bytes::new();
        let err = dec.decode(&log).unwrap_err();
        assert!(
            err.to_string()
                .contains("Transfer(address,address,uint256)")
                || err.to_string().contains("Transfer"),
            "{err}"
        );
    }

    /// The text written directly equals the JSON value built by the API's
    /// rules, for every kind of value, names that need escaping and
    /// integers on both sides of 2^128.
    #[test]
    fn args_text_equals_the_api_value() {
        let dec = EventDecoder::new(
            Event::parse(
                "event Mixed(address who, uint256 big, uint128 small, int64 neg, bool ok, bytes4 tag, bytes blob, string name, uint256[] list, address, uint8 q)",
            )
            .unwrap(),
        )
        .unwrap();
        let mut abi = dec.abi.clone();
        abi.inputs[10].name = "quote\"and\\slash".into();
        let dec = EventDecoder::new(abi).unwrap();
        let values = vec![
            DynSolValue::Address(address!("0xd8da6bf26964af9d7eed9e03e53415d37aa96045")),
            DynSolValue::Uint(U256::MAX, 256),
            DynSolValue::Uint(U256::from(u128::MAX), 128),
            DynSolValue::Int(alloy::primitives::I256::try_from(-5i64).unwrap(), 64),
            DynSolValue::Bool(true),
            DynSolValue::FixedBytes(B256::repeat_byte(0xab), 4),
            DynSolValue::Bytes(vec![0, 1, 0xff]),
            DynSolValue::String("a \"quoted\" \n line".into()),
            DynSolValue::Array(vec![
                DynSolValue::Uint(U256::from(1), 256),
                DynSolValue::Uint(U256::from(u128::MAX) + U256::from(1), 256),
            ]),
            DynSolValue::Address(Address::ZERO),
            DynSolValue::Uint(U256::ZERO, 8),
        ];
        let text = dec.args_json(&values);
        let parsed: Value = serde_json::from_str(&text).expect(&text);
        assert_eq!(parsed, dec.args_value(&values), "{text}");
        assert!(
            text.starts_with(r#"{"who":"0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045","#),
            "{text}"
        );
        let none = EventDecoder::new(Event::parse("event Ping()").unwrap()).unwrap();
        assert_eq!(none.args_json(&[]), "{}");
    }

    #[test]
    fn invalid_utf8_strings_are_replaced_not_dropped() {
        let dec = EventDecoder::new(Event::parse("event Named(string name)").unwrap()).unwrap();
        let encoded = DynSolValue::Tuple(vec![DynSolValue::Bytes(vec![b'a', 0xff, 0, b'b'])])
            .abi_encode_params();
        let log = RawLog {
            topics: vec![dec.selector()],
            data: encoded.into(),
            ..transfer_log(Address::ZERO, Address::ZERO, U256::ZERO)
        };
        let json: Value = serde_json::from_str(&dec.args_json(&dec.decode(&log).unwrap())).unwrap();
        assert_eq!(json["name"], "a\u{fffd}\u{0}b");
    }

    /// A stored event's ABI reads back as the same event, so its arguments
    /// render as they would have at ingest: tuples, unnamed and indexed
    /// parameters, `internalType`, anonymous events.
    #[test]
    fn stored_json_reads_back_as_the_same_event() {
        let json = r#"{"type":"event","name":"Order","anonymous":true,"inputs":[
            {"name":"maker","type":"address","indexed":true,"internalType":"address"},
            {"name":"","type":"uint256","indexed":false,"internalType":"uint256"},
            {"name":"legs","type":"tuple[]","indexed":false,"internalType":"struct Leg[]",
             "components":[{"name":"token","type":"address","internalType":"contract IERC20"},
                           {"name":"amount","type":"int128","internalType":"int128"}]}]}"#;
        let original = EventDecoder::new(serde_json::from_str(json).unwrap()).unwrap();
        assert_eq!(original.stored().selector, None, "anonymous");
        let back = EventDecoder::from_json(&original.stored().json).unwrap();
        assert_eq!(back.abi, original.abi);
        assert_eq!(back.stored(), original.stored());

        let maker = address!("0xd8da6bf26964af9d7eed9e03e53415d37aa96045");
        let legs = DynSolValue::Array(vec![DynSolValue::Tuple(vec![
            DynSolValue::Address(maker),
            DynSolValue::Int(alloy::primitives::I256::try_from(-7i64).unwrap(), 128),
        ])]);
        let data = DynSolValue::Tuple(vec![DynSolValue::Uint(U256::from(9), 256), legs])
            .abi_encode_params();
        let log = RawLog {
            topics: vec![maker.into_word()],
            data: data.into(),
            ..transfer_log(Address::ZERO, Address::ZERO, U256::ZERO)
        };
        let text = back.render(&log).unwrap();
        assert_eq!(text, original.render(&log).unwrap());
        assert_eq!(
            text,
            r#"{"maker":"0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045","1":"9","legs":[["0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045","-7"]]}"#
        );

        let transfer = EventDecoder::new(
            Event::parse("event Transfer(address indexed from, address indexed to, uint256 value)")
                .unwrap(),
        )
        .unwrap();
        assert_eq!(transfer.stored().selector, Some(transfer.selector()));
        assert!(EventDecoder::from_json("{\"type\":\"event\"").is_err());
    }

    /// Where the word path applies it decodes as `decode_log_parts` does,
    /// words with dirty high bytes included; any other shape is left to it.
    #[test]
    fn word_events_decode_as_decode_log_parts_does() {
        let events = [
            "event Transfer(address indexed from, address indexed to, uint256 value)",
            "event Mixed(uint8 indexed a, int16 b, bytes4 indexed c, bool d, address e)",
            "event Anon(address indexed who, int256 delta) anonymous",
            "event Empty()",
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut word = || {
            let mut w = [0u8; 32];
            for b in &mut w {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                *b = seed as u8;
            }
            B256::from(w)
        };
        for sig in events {
            let dec = EventDecoder::new(Event::parse(sig).unwrap()).unwrap();
            let words = dec.words.as_ref().expect("a word event");
            for case in 0..200 {
                let indexed = dec.abi.inputs.iter().filter(|i| i.indexed).count();
                let body = dec.abi.inputs.len() - indexed;
                let mut topics: Vec<B256> = (0..indexed).map(|_| word()).collect();
                if !dec.abi.anonymous {
                    topics.insert(0, dec.selector());
                }
                let mut data: Vec<u8> = (0..body).flat_map(|_| word().0).collect();
                // Shapes the word path must leave alone.
                match case % 5 {
                    1 => topics.push(word()),
                    2 if !topics.is_empty() => {
                        topics.pop();
                    }
                    3 => data.extend_from_slice(&[1, 2, 3]),
                    4 if !data.is_empty() => data.truncate(data.len() - 1),
                    _ => {}
                }
                let log = RawLog {
                    topics,
                    data: data.into(),
                    ..transfer_log(Address::ZERO, Address::ZERO, U256::ZERO)
                };
                let slow = dec.decode_parts(&log).map_err(|e| e.to_string());
                match words.decode(dec.stored().selector, &log) {
                    Some(fast) => assert_eq!(Ok(fast), slow, "{sig} case {case}"),
                    None => assert!(case % 5 != 0, "{sig} case {case}: exact shape left alone"),
                }
                assert_eq!(
                    dec.decode(&log).map_err(|e| e.to_string()),
                    slow,
                    "{sig} case {case}"
                );
            }
        }
        for sig in [
            "event S(string indexed name, uint256 v)",
            "event D(address who, bytes data)",
            "event T((address,uint256) pair)",
        ] {
            let dec = EventDecoder::new(Event::parse(sig).unwrap()).unwrap();
            assert!(dec.words.is_none(), "{sig}");
        }
    }
}
