//! EIP-55 address text, remembered.
//!
//! Checksumming hashes the address (keccak). An indexer meets the same
//! accounts again and again (two per transfer, a hundred per holders page),
//! and perf showed the hashing at 6–10% of both the indexer's and the API's
//! CPU, so the text is remembered per thread.

use std::cell::RefCell;

use alloy_primitives::Address;
use alloy_primitives::map::HashMap;

/// Most addresses remembered per thread before starting over.
const LIMIT: usize = 100_000;

/// The EIP-55 checksummed text of `address` (`0x` + 40 mixed-case hex digits).
pub fn checksummed(address: &Address) -> String {
    with_checksummed(address, str::to_owned)
}

/// Appends the EIP-55 text of `address` to `out`, without the copy
/// [`checksummed`] returns (the indexer writes two per transfer).
pub fn push_checksummed(out: &mut String, address: &Address) {
    with_checksummed(address, |text| out.push_str(text));
}

fn with_checksummed<T>(address: &Address, f: impl FnOnce(&str) -> T) -> T {
    thread_local! {
        static CACHE: RefCell<HashMap<Address, Box<str>>> = RefCell::new(HashMap::default());
    }
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some(text) = cache.get(address) {
            return f(text);
        }
        if cache.len() >= LIMIT {
            cache.clear();
        }
        let text: Box<str> = address.to_checksum(None).into();
        let out = f(&text);
        cache.insert(*address, text);
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equals_alloys_checksum_first_time_and_remembered() {
        let a: Address = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
            .parse()
            .expect("address");
        assert_eq!(
            checksummed(&a),
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
        );
        let mut out = String::from("x");
        push_checksummed(&mut out, &a);
        assert_eq!(out, "x0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
        assert_eq!(checksummed(&a), a.to_checksum(None));
    }
}
