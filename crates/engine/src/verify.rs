//! `tributary verify`: every indexed state value compared with the chain's
//! own view of it, called at the indexed block, so a difference is a bug (or
//! a bad RPC answer), never a race with new blocks.
//!
//! The views are those of the templates' reference contracts (OpenZeppelin
//! ERC-20/721/4626, Uniswap V2, Chainlink, and the demo protocol's vault,
//! escrow, savings, stability pool, gauge and distributor). Keys no view can
//! answer (markers, claimed totals) are skipped.

use std::collections::HashMap;

use alloy::primitives::{Address, B256, Bytes, U256};
use alloy::sol;
use alloy::sol_types::SolCall;
use tributary_source::EvmSource;
use tributary_store::Store;
use tributary_types::{ChainId, StateKey, StateKind};

use crate::EngineError;

sol! {
    function balanceOf(address owner) external view returns (uint256);
    function totalSupply() external view returns (uint256);
    function ownerOf(uint256 tokenId) external view returns (address);
    function getReserves() external view returns (uint112, uint112, uint32);
    function token0() external view returns (address);
    function token1() external view returns (address);
    function collateralOf(address user, address collateral) external view returns (uint256);
    function debtOf(address user) external view returns (uint256);
    function liquidationThreshold(address collateral) external view returns (uint256);
    function locked(uint256 tokenId) external view returns (uint256, uint256);
    function principalOf(address user) external view returns (uint256);
    function accruedInterest(address user) external view returns (uint256);
    function deposits(address user) external view returns (uint256);
    function gaugeWeight(address gauge) external view returns (uint256);
    function totalWeight() external view returns (uint256);
    function userVote(address user, address gauge) external view returns (uint256);
    function emissionRate() external view returns (uint256);
    function pendingRewards(address user) external view returns (uint256);
    function latestAnswer() external view returns (int256);
    function totalAssets() external view returns (uint256);
}

/// Keys read per page.
const PAGE: u32 = 5000;

/// One value the index and the chain disagree on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The state key.
    pub key: StateKey,
    /// The contract view compared with.
    pub view: &'static str,
    /// The indexed value.
    pub indexed: U256,
    /// The chain's answer (`None`: the call failed).
    pub chain: Option<U256>,
}

/// What one chain's verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Chain id.
    pub chain_id: ChainId,
    /// The indexed block compared at.
    pub block: u64,
    /// Values compared.
    pub checked: usize,
    /// Every disagreement.
    pub differences: Vec<Difference>,
}

/// A comparison to make: the call and which word of its answer is the value.
struct Check {
    key: StateKey,
    indexed: U256,
    view: &'static str,
    to: Address,
    data: Vec<u8>,
    word: usize,
}

/// Views not every contract of a template has (an ERC-721 without
/// enumerable supply): a failed call is skipped, not a difference.
const OPTIONAL_VIEWS: &[&str] = &["totalSupply"];

/// Compares the indexed state of `chain_id` (every `sample`-th key when
/// given a sample size) with the chain at the indexed block.
pub async fn verify_chain(
    store: &Store,
    source: &EvmSource,
    chain_id: ChainId,
    sample: Option<usize>,
) -> Result<VerifyReport, EngineError> {
    let mut snap = store.snapshot().await?;
    let Some(block) = snap.indexed_block(chain_id).await? else {
        snap.finish().await?;
        return Ok(VerifyReport {
            chain_id,
            block: 0,
            checked: 0,
            differences: Vec::new(),
        });
    };
    let mut rows = Vec::new();
    let mut after = None;
    loop {
        let page = snap.state_page(chain_id, after, PAGE).await?;
        let Some((last, _)) = page.last() else { break };
        after = Some(*last);
        rows.extend(page);
    }
    snap.finish().await?;
    let tags = pair_tags(&rows);
    let mut checks: Vec<Check> = rows
        .iter()
        .filter_map(|(k, v)| check(k, *v, &tags))
        .collect();
    if let Some(n) = sample.filter(|n| *n > 0 && *n < checks.len()) {
        let step = checks.len() / n;
        checks = checks.into_iter().step_by(step.max(1)).take(n).collect();
    }
    let differences = compare(source, block.hash, &checks).await;
    let report = VerifyReport {
        chain_id,
        block: block.number,
        checked: checks.len(),
        differences,
    };
    metrics::gauge!("tributary_verify_mismatches", "chain_id" => chain_id.to_string())
        .set(report.differences.len() as f64);
    Ok(report)
}

/// Calls every check at `block_hash` and keeps the disagreements.
async fn compare(source: &EvmSource, block_hash: B256, checks: &[Check]) -> Vec<Difference> {
    let calls = checks
        .iter()
        .map(|c| (c.to, Bytes::from(c.data.clone())))
        .collect();
    let answers = source.calls(calls, block_hash).await;
    checks
        .iter()
        .zip(answers)
        .filter_map(|(c, answer)| {
            if answer.is_err() && OPTIONAL_VIEWS.contains(&c.view) {
                return None;
            }
            let chain = answer.ok().and_then(|b| {
                b.get(c.word * 32..(c.word + 1) * 32)
                    .map(U256::from_be_slice)
            });
            (chain != Some(c.indexed)).then_some(Difference {
                key: c.key,
                view: c.view,
                indexed: c.indexed,
                chain,
            })
        })
        .collect()
}

/// The second address of every paired key (the collateral of a vault
/// position, the gauge of a vote), recovered from the markers listing them.
fn pair_tags(rows: &[(StateKey, U256)]) -> HashMap<(StateKind, Address, [u8; 12]), Address> {
    let mut tags = HashMap::new();
    for (k, _) in rows {
        let paired = match k.kind {
            StateKind::VaultCollateralToken => StateKind::VaultCollateral,
            StateKind::GaugeKnown => StateKind::GaugeVote,
            _ => continue,
        };
        let tag = k.subject_address();
        let probe = StateKey::paired(paired, k.scope, tag, Address::ZERO);
        let mut prefix = [0u8; 12];
        prefix.copy_from_slice(&probe.subject[..12]);
        tags.insert((paired, k.scope, prefix), tag);
    }
    tags
}

/// The view that answers `key`, if any.
fn check(
    key: &StateKey,
    indexed: U256,
    tags: &HashMap<(StateKind, Address, [u8; 12]), Address>,
) -> Option<Check> {
    let to = key.scope;
    let account = key.subject_address();
    let id = key.subject_id();
    let tag = || {
        let mut prefix = [0u8; 12];
        prefix.copy_from_slice(&key.subject[..12]);
        tags.get(&(key.kind, key.scope, prefix)).copied()
    };
    let (view, data, word): (&'static str, Vec<u8>, usize) = match key.kind {
        StateKind::Balance | StateKind::NftCount => (
            "balanceOf",
            balanceOfCall { owner: account }.abi_encode(),
            0,
        ),
        StateKind::Supply => ("totalSupply", totalSupplyCall {}.abi_encode(), 0),
        StateKind::NftOwner => ("ownerOf", ownerOfCall { tokenId: id }.abi_encode(), 0),
        StateKind::Reserve0 => ("getReserves", getReservesCall {}.abi_encode(), 0),
        StateKind::Reserve1 => ("getReserves", getReservesCall {}.abi_encode(), 1),
        StateKind::PairToken0 => ("token0", token0Call {}.abi_encode(), 0),
        StateKind::PairToken1 => ("token1", token1Call {}.abi_encode(), 0),
        StateKind::VaultCollateral => {
            let collateral = tag()?;
            let data = collateralOfCall {
                user: account,
                collateral,
            }
            .abi_encode();
            ("collateralOf", data, 0)
        }
        StateKind::VaultDebt => ("debtOf", debtOfCall { user: account }.abi_encode(), 0),
        StateKind::VaultThreshold => {
            let data = liquidationThresholdCall {
                collateral: account,
            }
            .abi_encode();
            ("liquidationThreshold", data, 0)
        }
        StateKind::LockAmount => ("locked", lockedCall { tokenId: id }.abi_encode(), 0),
        StateKind::LockEnd => ("locked", lockedCall { tokenId: id }.abi_encode(), 1),
        StateKind::SavingsPrincipal => (
            "principalOf",
            principalOfCall { user: account }.abi_encode(),
            0,
        ),
        StateKind::SavingsInterest => {
            let data = accruedInterestCall { user: account }.abi_encode();
            ("accruedInterest", data, 0)
        }
        StateKind::StabilityDeposit => ("deposits", depositsCall { user: account }.abi_encode(), 0),
        StateKind::GaugeWeight => (
            "gaugeWeight",
            gaugeWeightCall { gauge: account }.abi_encode(),
            0,
        ),
        StateKind::GaugeTotalWeight => ("totalWeight", totalWeightCall {}.abi_encode(), 0),
        StateKind::GaugeVote => {
            let gauge = tag()?;
            let data = userVoteCall {
                user: account,
                gauge,
            }
            .abi_encode();
            ("userVote", data, 0)
        }
        StateKind::EmissionRate => ("emissionRate", emissionRateCall {}.abi_encode(), 0),
        StateKind::PendingRewards => {
            let data = pendingRewardsCall { user: account }.abi_encode();
            ("pendingRewards", data, 0)
        }
        StateKind::Price => ("latestAnswer", latestAnswerCall {}.abi_encode(), 0),
        StateKind::TotalAssets => ("totalAssets", totalAssetsCall {}.abi_encode(), 0),
        _ => return None,
    };
    // A stored address (an owner, a pair token) is the same word the view returns.
    Some(Check {
        key: *key,
        indexed,
        view,
        to,
        data,
        word,
    })
}
