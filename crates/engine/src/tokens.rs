//! Token metadata (`symbol()`, `decimals()`) read once per token with eth_call.

use alloy::primitives::{Address, Bytes};
use alloy::sol;
use alloy::sol_types::SolCall;
use tributary_source::EvmSource;
use tributary_store::read::TokenRow;

sol! {
    function symbol() external view returns (string);
    function decimals() external view returns (uint8);
}

/// Metadata of `address`; fields the token does not answer stay `None`.
pub async fn token_row(
    source: &EvmSource,
    chain_id: u64,
    address: Address,
    contract: &str,
    kind: &str,
) -> TokenRow {
    let at = alloy::eips::BlockId::latest();
    // Both calls at once: sent one after the other they were two round
    // trips to the node before a chain's first fetch.
    let (symbol, decimals) = futures::join!(
        source.call(address, Bytes::from(symbolCall {}.abi_encode()), at),
        source.call(address, Bytes::from(decimalsCall {}.abi_encode()), at),
    );
    let symbol = symbol.ok().and_then(|out| decode_symbol(&out));
    let decimals = decimals
        .ok()
        .and_then(|out| decimalsCall::abi_decode_returns(&out).ok());
    TokenRow {
        chain_id,
        address,
        contract: contract.to_string(),
        kind: kind.to_string(),
        symbol,
        decimals,
    }
}

/// A `string` symbol, or a `bytes32` one (as old tokens like MKR return).
///
/// A NUL inside a `string` symbol becomes U+FFFD, like an invalid UTF-8
/// byte: PostgreSQL text cannot hold NUL (the insert failed and stalled the
/// chain), and both engines must store the same text.
fn decode_symbol(out: &[u8]) -> Option<String> {
    if let Ok(s) = symbolCall::abi_decode_returns(out) {
        return Some(s.replace('\0', "\u{FFFD}"));
    }
    if out.len() == 32 {
        let end = out.iter().position(|b| *b == 0).unwrap_or(32);
        return Some(String::from_utf8_lossy(&out[..end]).into_owned());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_as_string_bytes32_and_empty() {
        let s = symbolCall::abi_encode_returns(&"USDC".to_string());
        assert_eq!(decode_symbol(&s).as_deref(), Some("USDC"));
        let mut b = [0u8; 32];
        b[..3].copy_from_slice(b"MKR");
        assert_eq!(decode_symbol(&b).as_deref(), Some("MKR"));
        let e = symbolCall::abi_encode_returns(&String::new());
        assert_eq!(decode_symbol(&e).as_deref(), Some(""));
        assert_eq!(decode_symbol(&[1, 2, 3]), None);
        let nul = symbolCall::abi_encode_returns(&"N\0L".to_string());
        assert_eq!(decode_symbol(&nul).as_deref(), Some("N\u{FFFD}L"));
    }
}
