//! Change notices live in `tributary-types` so readers need not depend on the
//! engine; this module builds their [`Touched`] part from a batch.

use std::collections::BTreeSet;

use alloy::primitives::Address;

use tributary_store::write::Batch;
pub use tributary_types::notice::{ChangeNotice, MAX_TOUCHED_ACCOUNTS, Touched};

/// What `batch` changes: accounts of per-account state (and `extra` accounts
/// projections noted), contracts of any state or stored event.
pub(crate) fn touched(batch: &Batch, extra: Vec<Address>) -> Touched {
    let mut accounts: BTreeSet<Address> = extra.into_iter().filter(|a| !a.is_zero()).collect();
    let mut contracts = BTreeSet::new();
    for w in &batch.state {
        contracts.insert(w.key.scope);
        if w.key.kind.is_per_account() {
            accounts.insert(w.key.subject_address());
        }
    }
    for e in &batch.events {
        contracts.insert(e.log.address);
    }
    let all = accounts.len() > MAX_TOUCHED_ACCOUNTS;
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
