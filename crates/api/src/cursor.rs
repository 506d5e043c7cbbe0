//! Opaque pagination cursors.
//!
//! A cursor is `base64url(payload ‖ mac)` without padding, where `payload` is
//! `[version, endpoint tag, fields…]` in big-endian and `mac` the first 8
//! bytes of `sha256(KEY ‖ payload)`. The key is a fixed constant, so every
//! process sharing a database accepts the cursors of every other; the MAC is
//! an integrity check that turns a garbled or hand-edited cursor into a clear
//! 400 instead of a silently wrong page — not a secret.

use alloy_primitives::{Address, U256};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use tributary_store::read::{EventPosition, HolderPosition};
use tributary_types::ChainId;

/// Key of the integrity check; changing it invalidates every cursor served.
const KEY: &[u8] = b"tributary-cursor-v1";
/// Bytes of the truncated MAC.
const MAC_LEN: usize = 8;
/// Layout version of the payload.
const VERSION: u8 = 1;
/// Longest cursor accepted before decoding (ours are under 150 characters).
const MAX_TEXT: usize = 256;

/// Which endpoint a cursor pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Tag {
    Events = 1,
    Holders = 2,
    Nfts = 3,
}

impl Tag {
    fn endpoint(self) -> &'static str {
        match self {
            Self::Events => "/v1/events",
            Self::Holders => "/v1/tokens/{address}/holders",
            Self::Nfts => "/v1/accounts/{address}/nfts",
        }
    }
}

/// Why a cursor was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CursorError {
    /// `after=` with nothing after it.
    #[error("it is empty; omit `after` for the first page")]
    Empty,
    /// Not base64url without padding, or far too long.
    #[error("it is not a cursor this API issued (not base64url)")]
    Encoding,
    /// The integrity check failed: the cursor was altered or made up.
    #[error("it was altered or not issued by this API")]
    Forged,
    /// A well-formed cursor of another layout version.
    #[error("it was issued by an incompatible version of this API")]
    Version,
    /// A cursor of another endpoint.
    #[error("it pages {issued_for}, not {used_on}")]
    WrongEndpoint {
        /// The endpoint that issued it.
        issued_for: &'static str,
        /// The endpoint it was sent to.
        used_on: &'static str,
    },
    /// A holders cursor of another token or chain.
    #[error("it pages the holders of another token")]
    WrongToken,
    /// The payload does not have the layout of its endpoint.
    #[error("its content is malformed")]
    Malformed,
}

/// Where a holders page stops, and which token it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HolderCursor {
    /// Chain of the token.
    pub chain_id: ChainId,
    /// The token whose holders are paged.
    pub token: Address,
    /// The last holder served.
    pub position: HolderPosition,
}

/// Encodes the last NFT served: its chain, collection and token id.
pub fn encode_nfts(chain_id: ChainId, collection: Address, token_id: U256) -> String {
    let mut payload = header(Tag::Nfts);
    payload.extend_from_slice(&chain_id.to_be_bytes());
    payload.extend_from_slice(collection.as_slice());
    payload.extend_from_slice(&token_id.to_be_bytes::<32>());
    seal(payload)
}

/// Decodes a cursor issued by [`encode_nfts`].
pub fn decode_nfts(text: &str) -> Result<(ChainId, Address, U256), CursorError> {
    let payload = open(text, Tag::Nfts)?;
    let mut r = Reader(&payload);
    let chain_id = r.u64()?;
    let collection = Address::from_slice(r.take(20)?);
    let token_id = U256::from_be_slice(r.take(32)?);
    r.end()?;
    Ok((chain_id, collection, token_id))
}

/// Encodes the position of the last event served.
pub fn encode_events(position: &EventPosition) -> String {
    let mut payload = header(Tag::Events);
    payload.extend_from_slice(&position.block_number.to_be_bytes());
    payload.extend_from_slice(&position.log_index.to_be_bytes());
    payload.extend_from_slice(&position.chain_id.to_be_bytes());
    seal(payload)
}

/// Decodes a cursor issued by [`encode_events`].
pub fn decode_events(text: &str) -> Result<EventPosition, CursorError> {
    let payload = open(text, Tag::Events)?;
    let mut r = Reader(&payload);
    let position = EventPosition {
        block_number: r.u64()?,
        log_index: r.u64()?,
        chain_id: r.u64()?,
    };
    r.end()?;
    Ok(position)
}

/// Encodes the last holder served of a token.
pub fn encode_holders(cursor: &HolderCursor) -> String {
    let mut payload = header(Tag::Holders);
    payload.extend_from_slice(&cursor.chain_id.to_be_bytes());
    payload.extend_from_slice(cursor.token.as_slice());
    let balance = cursor.position.balance.to_be_bytes::<32>();
    let significant = &balance[balance.iter().take_while(|b| **b == 0).count()..];
    // At most 32 bytes, so the length fits a byte.
    payload.push(significant.len() as u8);
    payload.extend_from_slice(significant);
    payload.extend_from_slice(cursor.position.account.as_slice());
    seal(payload)
}

/// Decodes a cursor issued by [`encode_holders`].
pub fn decode_holders(text: &str) -> Result<HolderCursor, CursorError> {
    let payload = open(text, Tag::Holders)?;
    let mut r = Reader(&payload);
    let chain_id = r.u64()?;
    let token = Address::from_slice(r.take(20)?);
    let len = usize::from(r.take(1)?[0]);
    if len > 32 {
        return Err(CursorError::Malformed);
    }
    let significant = r.take(len)?;
    if significant.first() == Some(&0) {
        return Err(CursorError::Malformed);
    }
    let balance = U256::from_be_slice(significant);
    let account = Address::from_slice(r.take(20)?);
    r.end()?;
    Ok(HolderCursor {
        chain_id,
        token,
        position: HolderPosition { balance, account },
    })
}

fn header(tag: Tag) -> Vec<u8> {
    vec![VERSION, tag as u8]
}

fn mac(payload: &[u8]) -> [u8; MAC_LEN] {
    let digest = Sha256::new()
        .chain_update(KEY)
        .chain_update(payload)
        .finalize();
    let mut out = [0; MAC_LEN];
    out.copy_from_slice(&digest[..MAC_LEN]);
    out
}

fn seal(mut payload: Vec<u8>) -> String {
    let tag = mac(&payload);
    payload.extend_from_slice(&tag);
    URL_SAFE_NO_PAD.encode(payload)
}

/// Checks encoding, integrity, version and endpoint; returns the fields after the header.
fn open(text: &str, expected: Tag) -> Result<Vec<u8>, CursorError> {
    if text.is_empty() {
        return Err(CursorError::Empty);
    }
    if text.len() > MAX_TEXT {
        return Err(CursorError::Encoding);
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| CursorError::Encoding)?;
    if bytes.len() < 2 + MAC_LEN {
        return Err(CursorError::Forged);
    }
    let (payload, tag) = bytes.split_at(bytes.len() - MAC_LEN);
    if mac(payload) != tag {
        return Err(CursorError::Forged);
    }
    if payload[0] != VERSION {
        return Err(CursorError::Version);
    }
    let issued = match payload[1] {
        1 => Tag::Events,
        2 => Tag::Holders,
        3 => Tag::Nfts,
        _ => return Err(CursorError::Malformed),
    };
    if issued != expected {
        return Err(CursorError::WrongEndpoint {
            issued_for: issued.endpoint(),
            used_on: expected.endpoint(),
        });
    }
    Ok(payload[2..].to_vec())
}

/// Reads fixed-size fields off a payload.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], CursorError> {
        if self.0.len() < n {
            return Err(CursorError::Malformed);
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn u64(&mut self) -> Result<u64, CursorError> {
        let mut out = [0; 8];
        out.copy_from_slice(self.take(8)?);
        Ok(u64::from_be_bytes(out))
    }

    fn end(&self) -> Result<(), CursorError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(CursorError::Malformed)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holder(balance: U256) -> HolderCursor {
        HolderCursor {
            chain_id: 56,
            token: Address::repeat_byte(0xaa),
            position: HolderPosition {
                balance,
                account: Address::repeat_byte(0x11),
            },
        }
    }

    fn position() -> EventPosition {
        EventPosition {
            block_number: 1,
            log_index: 2,
            chain_id: 3,
        }
    }

    #[test]
    fn events_cursor_round_trips() {
        let p = EventPosition {
            block_number: u64::MAX,
            log_index: 7,
            chain_id: 1,
        };
        let text = encode_events(&p);
        assert!(!text.contains('='), "no padding: {text}");
        assert_eq!(decode_events(&text), Ok(p));
    }

    #[test]
    fn holders_cursor_round_trips_every_balance_width() {
        for balance in [U256::ZERO, U256::from(1), U256::from(256), U256::MAX] {
            let c = holder(balance);
            assert_eq!(decode_holders(&encode_holders(&c)), Ok(c));
        }
    }

    #[test]
    fn every_flipped_bit_is_refused() {
        let text = encode_holders(&holder(U256::from(12345)));
        let bytes = URL_SAFE_NO_PAD.decode(&text).unwrap_or_default();
        for i in 0..bytes.len() * 8 {
            let mut changed = bytes.clone();
            changed[i / 8] ^= 1 << (i % 8);
            let forged = URL_SAFE_NO_PAD.encode(&changed);
            assert_eq!(decode_holders(&forged), Err(CursorError::Forged), "bit {i}");
        }
    }

    #[test]
    fn garbage_and_empty_are_refused() {
        assert_eq!(decode_events(""), Err(CursorError::Empty));
        assert_eq!(decode_events("not a cursor!"), Err(CursorError::Encoding));
        assert_eq!(decode_events("AAAA"), Err(CursorError::Forged));
        assert_eq!(decode_events(&"A".repeat(1000)), Err(CursorError::Encoding));
        let padded = format!("{}=", encode_events(&position()));
        assert_eq!(decode_events(&padded), Err(CursorError::Encoding));
    }

    #[test]
    fn a_cursor_of_another_endpoint_is_refused() {
        let holders = encode_holders(&holder(U256::from(1)));
        assert!(matches!(
            decode_events(&holders),
            Err(CursorError::WrongEndpoint { .. })
        ));
        let events = encode_events(&position());
        assert!(matches!(
            decode_holders(&events),
            Err(CursorError::WrongEndpoint { .. })
        ));
    }
}
