//! [`Protocol::tributary_contracts`]: the `[[contract]]` entries that make tributary index the
//! whole demo protocol, so the end-to-end tests and `tributary demo` configure it the same way.

use std::fmt::Write as _;

use alloy::primitives::Address;

use super::Protocol;

impl Protocol {
    /// The `[[contract]]` TOML entries of every contract of the protocol on the `[[chain]]`
    /// named `chain`, ready to append to a config that has that chain:
    ///
    /// - `USDP` (erc20, `stable = true`), `WETH`, `WBTC`, `GOV` (erc20);
    /// - `WETHFeed`, `WBTCFeed`, `GOVFeed` (price_feed, `asset` = the token they price);
    /// - `Factory` (uniswap_v2_factory) and `Pairs` (uniswap_v2_pair, discovered from the
    ///   factory's `PairCreated(pair)`), which covers the seeded pairs and any created later;
    /// - `Vault` (cdp_vault over USDP), `Escrow` (vote_escrow of GOV), `Savings` and
    ///   `StabilityPool` (USDP), `Gauges` and `Rewards` (GOV), `Fund` (erc4626 over USDP);
    /// - `Collectibles` (erc721, the `DemoNFT`).
    ///
    /// The router is left out: it holds no state anyone's position depends on.
    pub fn tributary_contracts(&self, chain: &str) -> String {
        let chain = quoted(chain);
        let mut out = String::new();
        let mut entry = |name: &str, kind: &str, address: Option<Address>, extra: &str| {
            let _ = writeln!(
                out,
                "[[contract]]\nname = \"{name}\"\nchain = {chain}\nkind = \"{kind}\""
            );
            if let Some(address) = address {
                let _ = writeln!(out, "address = \"{address}\"");
            }
            let _ = writeln!(out, "{extra}");
        };
        let asset = |token: Address| format!("asset = \"{token}\"\n");
        entry("USDP", "erc20", Some(self.usdp), "stable = true\n");
        entry("WETH", "erc20", Some(self.weth), "");
        entry("WBTC", "erc20", Some(self.wbtc), "");
        entry("GOV", "erc20", Some(self.gov), "");
        entry(
            "WETHFeed",
            "price_feed",
            Some(self.weth_feed),
            &asset(self.weth),
        );
        entry(
            "WBTCFeed",
            "price_feed",
            Some(self.wbtc_feed),
            &asset(self.wbtc),
        );
        entry(
            "GOVFeed",
            "price_feed",
            Some(self.gov_feed),
            &asset(self.gov),
        );
        entry("Factory", "uniswap_v2_factory", Some(self.factory), "");
        entry(
            "Pairs",
            "uniswap_v2_pair",
            None,
            "factory = { contract = \"Factory\", event = \"PairCreated\", parameter = \"pair\" }\n",
        );
        entry("Vault", "cdp_vault", Some(self.vault), &asset(self.usdp));
        entry("Escrow", "vote_escrow", Some(self.escrow), &asset(self.gov));
        entry("Savings", "savings", Some(self.savings), &asset(self.usdp));
        entry(
            "StabilityPool",
            "stability_pool",
            Some(self.stability_pool),
            &asset(self.usdp),
        );
        entry("Gauges", "gauge", Some(self.gauges), &asset(self.gov));
        entry("Rewards", "rewards", Some(self.rewards), &asset(self.gov));
        entry("Fund", "erc4626", Some(self.vault4626), &asset(self.usdp));
        entry("Collectibles", "erc721", Some(self.nft), "");
        out
    }
}

/// `text` as a TOML basic string.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo_addresses() -> Protocol {
        let a = |n: u8| Address::repeat_byte(n);
        Protocol {
            owner: a(0xee),
            usdp: a(10),
            weth: a(11),
            wbtc: a(12),
            gov: a(13),
            weth_feed: a(14),
            wbtc_feed: a(15),
            gov_feed: a(16),
            factory: a(17),
            router: a(18),
            pairs: vec![a(1), a(2)],
            vault: a(19),
            escrow: a(20),
            savings: a(21),
            stability_pool: a(22),
            gauges: a(23),
            rewards: a(24),
            vault4626: a(25),
            nft: a(26),
            deployed_at: 1,
        }
    }

    #[test]
    fn one_entry_per_contract_on_the_named_chain() {
        let text = demo_addresses().tributary_contracts("local");
        assert_eq!(text.matches("[[contract]]").count(), 17, "{text}");
        assert_eq!(text.matches("chain = \"local\"").count(), 17, "{text}");
        // Every address but the owner's, the router's and the pairs' (discovered) is listed.
        assert_eq!(text.matches("address = ").count(), 16, "{text}");
        assert!(!text.contains(&Address::repeat_byte(18).to_string()));
        assert!(text.contains("kind = \"uniswap_v2_pair\"\nfactory = { contract = \"Factory\""));
    }

    #[test]
    fn feeds_and_positions_name_their_asset() {
        let p = demo_addresses();
        let text = p.tributary_contracts("test");
        let entry_of = |name: &str| {
            text.split("[[contract]]")
                .find(|e| e.contains(&format!("name = \"{name}\"\n")))
                .unwrap_or_else(|| panic!("{name} missing in {text}"))
                .to_owned()
        };
        for (name, asset) in [
            ("WETHFeed", p.weth),
            ("WBTCFeed", p.wbtc),
            ("GOVFeed", p.gov),
            ("Vault", p.usdp),
            ("Escrow", p.gov),
            ("Savings", p.usdp),
            ("StabilityPool", p.usdp),
            ("Gauges", p.gov),
            ("Rewards", p.gov),
            ("Fund", p.usdp),
        ] {
            assert!(
                entry_of(name).contains(&format!("asset = \"{asset}\"")),
                "{name}"
            );
        }
        assert!(entry_of("USDP").contains("stable = true"));
        assert!(entry_of("Collectibles").contains("kind = \"erc721\""));
    }

    #[test]
    fn chain_names_are_toml_strings() {
        assert_eq!(quoted("a\"b\\c"), "\"a\\\"b\\\\c\"");
    }
}
