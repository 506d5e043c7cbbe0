//! CDP vaults: one row per collateral, the health factor exactly as the
//! chain's view computes it, liquidation prices, and the vault's alerts.

use alloy_primitives::{U256, U512};

use crate::input::{CollateralInput, VaultInput};
use crate::math::{div_pow10, mul_pow10, narrow, ratio, wide};
use crate::output::{AlertKind, RiskAlert, Severity, VaultPosition};
use crate::usd::{USD_DECIMALS, Usd};

/// Basis points in one.
const BPS: u64 = 10_000;
/// An LTV alert fires within this many basis points of the threshold (5 %).
const LTV_MARGIN_BPS: u64 = 500;

/// Vault rows and what the totals and alerts need from them.
pub(crate) struct Vaults {
    /// Rows by vault then collateral address, non-zero amounts only.
    pub rows: Vec<VaultPosition>,
    /// Alerts in vault order.
    pub alerts: Vec<RiskAlert>,
    /// Σ collateral values.
    pub collateral: Usd,
    /// Σ debt, including vaults without collateral rows.
    pub debt: Usd,
}

/// One collateral's contribution to the health factor, as the chain's view
/// computes it: `amount × price × 10^(18 − decimals) / 10^price_decimals ×
/// lt_bps / 10000`, each division a floor, in that order (for more than 18
/// decimals, `/ 10^(decimals − 18)` replaces the multiplication). Zero for an
/// unpriced token.
pub fn health_term(c: &CollateralInput) -> U256 {
    let Some(price) = &c.token.price else {
        return U256::ZERO;
    };
    let product = wide(c.amount) * wide(price.answer);
    let decimals = u32::from(c.token.decimals);
    let usd = if decimals <= USD_DECIMALS {
        mul_pow10(product, USD_DECIMALS - decimals)
    } else {
        div_pow10(product, decimals - USD_DECIMALS)
    };
    let usd = div_pow10(usd, u32::from(price.decimals));
    narrow(usd.saturating_mul(U512::from(c.lt_bps)) / U512::from(BPS))
}

/// Σ [`health_term`] over the vault's collaterals, except the one at `skip`.
fn terms_except(v: &VaultInput, skip: Option<usize>) -> U512 {
    v.collaterals
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != skip)
        .fold(U512::ZERO, |sum, (_, c)| {
            sum.saturating_add(wide(health_term(c)))
        })
}

/// `floor(Σ terms × 10^18 / debt)`, the chain's health factor scaled by
/// `10^18`; `None` without debt.
pub fn health_factor_scaled(v: &VaultInput) -> Option<U512> {
    if v.debt.is_zero() {
        return None;
    }
    Some(mul_pow10(terms_except(v, None), USD_DECIMALS) / wide(v.debt))
}

/// The vault's health factor as a number (`health_factor_scaled / 1e18`);
/// `None` without debt.
pub fn health_factor(v: &VaultInput) -> Option<f64> {
    health_factor_scaled(v).map(|hf| f64::from(hf) / 1e18)
}

/// The USD price of collateral `index` at which the health factor would be
/// exactly 1 with every other collateral fixed:
/// `(debt − Σ other terms) × 10^decimals × 10000 / (amount × lt_bps)`, floored
/// to 18 fractional digits. `None` without debt, amount or threshold, or when
/// the other collaterals alone already cover the debt.
pub fn liquidation_price(v: &VaultInput, index: usize) -> Option<Usd> {
    let c = v.collaterals.get(index)?;
    if v.debt.is_zero() || c.amount.is_zero() || c.lt_bps == 0 {
        return None;
    }
    let others = terms_except(v, Some(index));
    let rest = wide(v.debt)
        .checked_sub(others)
        .filter(|rest| !rest.is_zero())?;
    let numerator = mul_pow10(rest, u32::from(c.token.decimals)).saturating_mul(U512::from(BPS));
    let denominator = wide(c.amount) * U512::from(c.lt_bps);
    Some(Usd(narrow(numerator / denominator)))
}

/// Rows, totals and alerts of every vault, in address order.
pub(crate) fn vaults(inputs: &[VaultInput]) -> Vaults {
    let mut sorted: Vec<&VaultInput> = inputs.iter().collect();
    sorted.sort_by_key(|v| v.vault);
    let mut out = Vaults {
        rows: Vec::new(),
        alerts: Vec::new(),
        collateral: Usd::ZERO,
        debt: Usd::ZERO,
    };
    for v in sorted {
        let values: Vec<Usd> = v
            .collaterals
            .iter()
            .map(|c| c.token.usd(c.amount))
            .collect();
        let total: Usd = values.iter().copied().sum();
        let ltv = ratio(wide(v.debt), wide(total.scaled()));
        let health_factor = health_factor(v);
        let mut order: Vec<usize> = (0..v.collaterals.len())
            .filter(|&i| !v.collaterals[i].amount.is_zero())
            .collect();
        order.sort_by_key(|&i| v.collaterals[i].token.address);
        for i in order {
            let c = &v.collaterals[i];
            out.rows.push(VaultPosition {
                vault: v.vault,
                collateral: c.token.address,
                collateral_amount: c.amount,
                collateral_value_usd: values[i],
                debt: v.debt,
                ltv,
                health_factor,
                liquidation_price: liquidation_price(v, i),
            });
        }
        out.alerts.extend(alerts(v, &values, total));
        out.collateral = out.collateral.saturating_add(total);
        // Debt is 18-decimal stablecoin at 1 USD: its base units are already Usd.
        out.debt = out.debt.saturating_add(Usd(v.debt));
    }
    out
}

/// The liquidation and LTV alerts of one vault, decided in exact integers.
fn alerts(v: &VaultInput, values: &[Usd], total: Usd) -> Vec<RiskAlert> {
    let mut alerts = Vec::new();
    if v.debt.is_zero() {
        return alerts;
    }
    let terms = terms_except(v, None);
    // HF < 1.2 ⇔ Σ terms × 10 < debt × 12 (floor(x / d) < k ⇔ x < k·d).
    if terms.saturating_mul(U512::from(10u8)) < wide(v.debt) * U512::from(12u8) {
        let hf = health_factor(v).unwrap_or(0.0);
        alerts.push(RiskAlert {
            kind: AlertKind::Liquidation,
            severity: Severity::High,
            vault: Some(v.vault),
            escrow: None,
            token_id: None,
            message: format!(
                "health factor {hf:.4} is below 1.2: collateral worth ${total} backs a debt of ${}",
                Usd(v.debt)
            ),
        });
    }
    if total == Usd::ZERO {
        return alerts;
    }
    // ltv > Σ(value × lt)/Σ value/10000 − 0.05 ⇔ debt·10000 + 500·Σ value > Σ(value × lt).
    let weighted: U512 = v
        .collaterals
        .iter()
        .zip(values)
        .fold(U512::ZERO, |sum, (c, value)| {
            sum.saturating_add(wide(value.scaled()) * U512::from(c.lt_bps))
        });
    let total_wide = wide(total.scaled());
    let lhs =
        (wide(v.debt) * U512::from(BPS)).saturating_add(total_wide * U512::from(LTV_MARGIN_BPS));
    if lhs > weighted {
        let ltv = ratio(wide(v.debt), total_wide).unwrap_or(0.0);
        let threshold = ratio(weighted, total_wide * U512::from(BPS)).unwrap_or(0.0);
        alerts.push(RiskAlert {
            kind: AlertKind::Ltv,
            severity: Severity::Medium,
            vault: Some(v.vault),
            escrow: None,
            token_id: None,
            message: format!(
                "loan-to-value {:.2}% is within 5 points of the liquidation threshold {:.2}%",
                ltv * 100.0,
                threshold * 100.0
            ),
        });
    }
    alerts
}
