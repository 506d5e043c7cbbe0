//! Serde field adapters for the API's JSON conventions, used with
//! `#[serde(with = "...")]`. alloy's own impls write addresses in lowercase
//! and integers in hex; the API promises EIP-55 addresses and decimal strings.

/// An [`Address`](alloy_primitives::Address) as its EIP-55 checksummed string;
/// any case is accepted back.
pub mod checksum {
    use alloy_primitives::Address;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes `address.to_checksum(None)`.
    pub fn serialize<S: Serializer>(address: &Address, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&address.to_checksum(None))
    }

    /// Reads a 0x-prefixed hex address in any case.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Address, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// An `Option<Address>` as an EIP-55 string or `null`; pair it with
/// `skip_serializing_if = "Option::is_none"` and `default` to omit the key.
pub mod checksum_opt {
    use alloy_primitives::Address;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the checksummed address, or `null`.
    pub fn serialize<S: Serializer>(
        address: &Option<Address>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match address {
            Some(address) => super::checksum::serialize(address, serializer),
            None => serializer.serialize_none(),
        }
    }

    /// Reads an address in any case, or `null`.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Address>, D::Error> {
        Option::<String>::deserialize(deserializer)?
            .map(|text| text.parse().map_err(serde::de::Error::custom))
            .transpose()
    }
}

/// A [`U256`](alloy_primitives::U256) as an exact base-10 string
/// (`"1000000000000000000"`).
pub mod decimal {
    use alloy_primitives::U256;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the decimal digits.
    pub fn serialize<S: Serializer>(value: &U256, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(value)
    }

    /// Reads decimal digits only (no `0x`, no sign).
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<U256, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse(&text).map_err(serde::de::Error::custom)
    }

    pub(super) fn parse(text: &str) -> Result<U256, String> {
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("{text:?} is not a decimal integer"));
        }
        U256::from_str_radix(text, 10).map_err(|e| format!("{text:?}: {e}"))
    }
}

/// An `Option<U256>` as a decimal string or `null`; pair it with
/// `skip_serializing_if = "Option::is_none"` and `default` to omit the key.
pub mod decimal_opt {
    use alloy_primitives::U256;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the decimal digits, or `null`.
    pub fn serialize<S: Serializer>(
        value: &Option<U256>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => serializer.collect_str(value),
            None => serializer.serialize_none(),
        }
    }

    /// Reads decimal digits, or `null`.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<U256>, D::Error> {
        Option::<String>::deserialize(deserializer)?
            .map(|text| super::decimal::parse(&text).map_err(serde::de::Error::custom))
            .transpose()
    }
}
