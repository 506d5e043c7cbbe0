//! Vote-escrow locks (veNFTs): voting power decays linearly to zero at the
//! lock's end, exactly as the escrow computes it.

use alloy_primitives::U256;

use crate::input::LockInput;
use crate::math::mul_div;
use crate::output::{AlertKind, RiskAlert, Severity, VenftPosition};
use crate::usd::Usd;

/// The longest lock, in seconds (4 × 365 days): full voting power.
pub const MAX_LOCK_SECONDS: u64 = 4 * 365 * 86_400;
/// Seconds in a day.
const DAY: u64 = 86_400;
/// A lock ending within this many seconds raises an alert.
const EXPIRY_WARNING_SECONDS: u64 = 7 * DAY;

/// Lock rows and what the totals and alerts need from them.
pub(crate) struct Locks {
    /// Rows by escrow then token id, non-zero amounts only.
    pub rows: Vec<VenftPosition>,
    /// Expiry alerts in row order.
    pub alerts: Vec<RiskAlert>,
    /// Σ locked amounts at the locked token's price.
    pub value: Usd,
}

/// `floor(amount × (lock_end − timestamp) / MAX_LOCK_SECONDS)` while the lock
/// runs, 0 once it has ended.
pub fn voting_power(amount: U256, lock_end: u64, timestamp: u64) -> U256 {
    match lock_end.checked_sub(timestamp) {
        Some(left) if left > 0 => mul_div(amount, U256::from(left), U256::from(MAX_LOCK_SECONDS)),
        _ => U256::ZERO,
    }
}

/// The valued lock at block time `timestamp`.
pub fn venft_position(lock: &LockInput, timestamp: u64) -> VenftPosition {
    let left = lock.lock_end.saturating_sub(timestamp);
    VenftPosition {
        escrow: lock.escrow,
        token_id: lock.token_id,
        locked_amount: lock.amount,
        lock_end: lock.lock_end,
        voting_power: voting_power(lock.amount, lock.lock_end, timestamp),
        remaining_days: left as f64 / DAY as f64,
        is_expired: left == 0,
    }
}

/// Rows, value and alerts of every lock holding an amount, expired ones
/// included.
pub(crate) fn locks(inputs: &[LockInput], timestamp: u64) -> Locks {
    let mut held: Vec<&LockInput> = inputs.iter().filter(|l| !l.amount.is_zero()).collect();
    held.sort_by_key(|l| (l.escrow, l.token_id));
    let mut out = Locks {
        rows: Vec::new(),
        alerts: Vec::new(),
        value: Usd::ZERO,
    };
    for lock in held {
        let row = venft_position(lock, timestamp);
        let left = lock.lock_end.saturating_sub(timestamp);
        if left > 0 && left <= EXPIRY_WARNING_SECONDS {
            out.alerts.push(RiskAlert {
                kind: AlertKind::LockExpiry,
                severity: Severity::Info,
                vault: None,
                escrow: Some(lock.escrow),
                token_id: Some(lock.token_id),
                message: format!(
                    "lock #{} expires in {:.2} days (at unix time {}); its voting power is {}",
                    lock.token_id, row.remaining_days, lock.lock_end, row.voting_power
                ),
            });
        }
        out.value = out.value.saturating_add(lock.token.usd(lock.amount));
        out.rows.push(row);
    }
    out
}
