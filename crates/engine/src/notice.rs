//! Change notices live in `tributary-types` so readers need not depend on the
//! engine; this module builds their [`Touched`] part from a batch.

use std::collections::BTreeSet;

use alloy::primitives::Address;

use tributary_store::write::Batch;
pub use tributary_types::notice::{ChangeNotice, MAX_TOUCHED_ACCOUNTS, Touched};

/// What `batch` changes: accounts of per-account state (and `extra` accounts
/// projections noted), contracts of any state or stored event (`emitters`
/// of its events already written ahead too).
pub(crate) fn touched(batch: &Batch, emitters: BTreeSet<Address>, extra: Vec<Address>) -> Touched {
    let mut accounts: BTreeSet<Address> = extra.into_iter().filter(|a| !a.is_zero()).collect();
    let mut contracts = emitters;
    // A backfill batch touches tens of thousands of accounts and events:
    // past the cap the accounts are not listed anyway, and events come in
    // runs of one emitter.
    let mut all = accounts.len() > MAX_TOUCHED_ACCOUNTS;
    for w in &batch.state {
        contracts.insert(w.key.scope);
        if !all && w.key.kind.is_per_account() {
            accounts.insert(w.key.subject_address());
            all = accounts.len() > MAX_TOUCHED_ACCOUNTS;
        }
    }
    let mut last = None;
    for e in &batch.events {
        if last != Some(e.log.address) {
            last = Some(e.log.address);
            contracts.insert(e.log.address);
        }
    }
    Touched {
        accounts: if all {
            Vec::new()
        } else {
            accounts.into_iter().collect()
        },
        contracts: contracts.into_iter().collect(),
        all,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::{B256, Bytes, U256};
    use tributary_types::{EventArgs, RawLog, StateKey, StateWrite, StoredEvent};

    fn batch(accounts: u64, emitters: &[u8]) -> Batch {
        let token = Address::repeat_byte(0xee);
        let state = (1..=accounts)
            .map(|i| StateWrite {
                key: StateKey::balance(token, Address::left_padding_from(&i.to_be_bytes())),
                value: U256::from(i),
            })
            .chain(std::iter::once(StateWrite {
                key: StateKey::supply(token),
                value: U256::from(1u64),
            }))
            .collect();
        let events = emitters
            .iter()
            .map(|&b| StoredEvent {
                chain_id: 1,
                contract: "T".into(),
                event: "Transfer".into(),
                args: EventArgs::Text("{}".into()),
                log: RawLog {
                    block_number: 1,
                    block_hash: B256::ZERO,
                    tx_hash: B256::ZERO,
                    tx_index: 0,
                    log_index: 0,
                    address: Address::repeat_byte(b),
                    topics: vec![],
                    data: Bytes::new(),
                },
            })
            .collect();
        Batch {
            state,
            events,
            ..Batch::default()
        }
    }

    #[test]
    fn lists_accounts_and_contracts_each_once() {
        let t = touched(
            &batch(3, &[1, 1, 2, 1]),
            BTreeSet::new(),
            vec![Address::repeat_byte(9)],
        );
        assert!(!t.all);
        assert_eq!(t.accounts.len(), 4, "three holders and the extra account");
        assert_eq!(
            t.contracts,
            vec![
                Address::repeat_byte(1),
                Address::repeat_byte(2),
                Address::repeat_byte(0xee)
            ]
        );
    }

    #[test]
    fn emitters_of_events_written_ahead_are_listed() {
        let ahead = BTreeSet::from([Address::repeat_byte(3), Address::repeat_byte(1)]);
        let t = touched(&batch(1, &[1]), ahead, Vec::new());
        assert_eq!(
            t.contracts,
            vec![
                Address::repeat_byte(1),
                Address::repeat_byte(3),
                Address::repeat_byte(0xee)
            ]
        );
    }

    #[test]
    fn past_the_cap_accounts_are_not_listed() {
        let t = touched(
            &batch(MAX_TOUCHED_ACCOUNTS as u64 + 1, &[1]),
            BTreeSet::new(),
            Vec::new(),
        );
        assert!(t.all);
        assert!(t.accounts.is_empty());
        assert_eq!(t.contracts.len(), 2);
    }
}
