//! Address parsing: `0x` + 40 hex digits in any case, with the EIP-55 checksum
//! checked when the case is mixed.

use alloy::primitives::Address;

/// Why a string is not an acceptable address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AddressError {
    /// Not `0x` followed by exactly 40 hexadecimal digits.
    #[error("invalid address \"{input}\": expected 0x followed by 40 hex digits")]
    Malformed {
        /// The text given.
        input: String,
    },
    /// Mixed case whose EIP-55 checksum does not match.
    #[error(
        "invalid address \"{input}\": wrong EIP-55 checksum (expected {expected}, or write it all lowercase)"
    )]
    BadChecksum {
        /// The text given.
        input: String,
        /// The correctly checksummed form.
        expected: String,
    },
}

/// Parses an address written as `0x` + 40 hex digits. All-lowercase and
/// all-uppercase digits are accepted as is; mixed case must carry a valid
/// EIP-55 checksum.
pub fn parse_address(input: &str) -> Result<Address, AddressError> {
    let malformed = || AddressError::Malformed {
        input: input.to_owned(),
    };
    let digits = input.strip_prefix("0x").ok_or_else(malformed)?;
    if digits.len() != 40 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(malformed());
    }
    let mut bytes = [0u8; 20];
    hex::decode_to_slice(digits, &mut bytes).map_err(|_| malformed())?;
    let address = Address::from(bytes);
    let has_lower = digits.bytes().any(|b| b.is_ascii_lowercase());
    let has_upper = digits.bytes().any(|b| b.is_ascii_uppercase());
    if has_lower && has_upper {
        let expected = address.to_checksum(None);
        if expected != input {
            return Err(AddressError::BadChecksum {
                input: input.to_owned(),
                expected,
            });
        }
    }
    Ok(address)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHECKSUMMED: &str = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

    #[test]
    fn accepts_lower_upper_and_checksummed() {
        let expected = parse_address(CHECKSUMMED).expect("checksummed");
        assert_eq!(parse_address(&CHECKSUMMED.to_lowercase()), Ok(expected));
        let upper = format!("0x{}", CHECKSUMMED[2..].to_uppercase());
        assert_eq!(parse_address(&upper), Ok(expected));
    }

    #[test]
    fn rejects_a_wrong_checksum() {
        let wrong = CHECKSUMMED.replace("5FbDB", "5fBDB");
        let err = parse_address(&wrong).expect_err("bad checksum");
        assert!(
            matches!(err, AddressError::BadChecksum { ref expected, .. } if expected == CHECKSUMMED)
        );
    }

    #[test]
    fn rejects_malformed_input() {
        for input in [
            "0x12",
            "5FbDB2315678afecb367f032d93F642f64180aa3",
            "0xZZbDB2315678afecb367f032d93F642f64180aa3",
            "",
        ] {
            assert!(
                matches!(parse_address(input), Err(AddressError::Malformed { .. })),
                "{input}"
            );
        }
    }
}
