//! How each [`Action`] becomes a transaction: target, calldata, gas limit.

use alloy::{
    primitives::{Address, Bytes, U256},
    sol_types::SolCall,
};

use super::Action;
use crate::{
    contracts::{
        DemoNFT, DemoRouter, DemoVault4626, GaugeController, PriceFeed, RewardDistributor,
        SavingRate, StabilityPool, TestToken, USDPVault, VotingEscrow,
    },
    protocol::Protocol,
};

impl Action {
    /// The contract to call and the calldata, for `sender` (some calls name the sender).
    pub fn call(&self, protocol: &Protocol, sender: Address) -> (Address, Bytes) {
        let p = protocol;
        let (to, input) = match self {
            Self::Approve {
                token,
                spender,
                amount,
            } => (
                *token,
                TestToken::approveCall {
                    spender: *spender,
                    value: *amount,
                }
                .abi_encode(),
            ),
            Self::Transfer { token, to, amount } => (
                *token,
                TestToken::transferCall {
                    to: *to,
                    value: *amount,
                }
                .abi_encode(),
            ),
            Self::Mint { token, to, amount } => (
                *token,
                TestToken::mintCall {
                    to: *to,
                    amount: *amount,
                }
                .abi_encode(),
            ),
            Self::AddLiquidity {
                token_a,
                token_b,
                amount_a,
                amount_b,
            } => (
                p.router,
                DemoRouter::addLiquidityCall {
                    tokenA: *token_a,
                    tokenB: *token_b,
                    amountADesired: *amount_a,
                    amountBDesired: *amount_b,
                    to: sender,
                }
                .abi_encode(),
            ),
            Self::RemoveLiquidity {
                token_a,
                token_b,
                liquidity,
            } => (
                p.router,
                DemoRouter::removeLiquidityCall {
                    tokenA: *token_a,
                    tokenB: *token_b,
                    liquidity: *liquidity,
                    to: sender,
                }
                .abi_encode(),
            ),
            Self::Swap {
                token_in,
                token_out,
                amount_in,
                min_out,
            } => (
                p.router,
                DemoRouter::swapExactInCall {
                    tokenIn: *token_in,
                    tokenOut: *token_out,
                    amountIn: *amount_in,
                    amountOutMin: *min_out,
                    to: sender,
                }
                .abi_encode(),
            ),
            Self::VaultDeposit { collateral, amount } => (
                p.vault,
                USDPVault::depositCall {
                    collateral: *collateral,
                    amount: *amount,
                }
                .abi_encode(),
            ),
            Self::VaultWithdraw { collateral, amount } => (
                p.vault,
                USDPVault::withdrawCall {
                    collateral: *collateral,
                    amount: *amount,
                }
                .abi_encode(),
            ),
            Self::Borrow { amount } => (
                p.vault,
                USDPVault::borrowCall { amount: *amount }.abi_encode(),
            ),
            Self::Repay { amount } => (
                p.vault,
                USDPVault::repayCall { amount: *amount }.abi_encode(),
            ),
            Self::CreateLock { amount, lock_end } => (
                p.escrow,
                VotingEscrow::createLockCall {
                    amount: *amount,
                    lockEnd: U256::from(*lock_end),
                }
                .abi_encode(),
            ),
            Self::IncreaseLock {
                token_id,
                add_amount,
                lock_end,
            } => (
                p.escrow,
                VotingEscrow::increaseLockCall {
                    tokenId: *token_id,
                    addAmount: *add_amount,
                    newLockEnd: U256::from(*lock_end),
                }
                .abi_encode(),
            ),
            Self::WithdrawLock { token_id } => (
                p.escrow,
                VotingEscrow::withdrawCall { tokenId: *token_id }.abi_encode(),
            ),
            Self::TransferVeNft { to, token_id } => (
                p.escrow,
                VotingEscrow::transferFromCall {
                    from: sender,
                    to: *to,
                    tokenId: *token_id,
                }
                .abi_encode(),
            ),
            Self::MintNft => (p.nft, DemoNFT::mintCall { to: sender }.abi_encode()),
            Self::TransferNft { to, token_id } => (
                p.nft,
                DemoNFT::transferFromCall {
                    from: sender,
                    to: *to,
                    tokenId: *token_id,
                }
                .abi_encode(),
            ),
            Self::SavingsDeposit { amount } => (
                p.savings,
                SavingRate::depositCall { amount: *amount }.abi_encode(),
            ),
            Self::SavingsWithdraw { amount } => (
                p.savings,
                SavingRate::withdrawCall { amount: *amount }.abi_encode(),
            ),
            Self::SpProvide { amount } => (
                p.stability_pool,
                StabilityPool::provideCall { amount: *amount }.abi_encode(),
            ),
            Self::SpWithdraw { amount } => (
                p.stability_pool,
                StabilityPool::withdrawCall { amount: *amount }.abi_encode(),
            ),
            Self::Vote { gauge, weight } => (
                p.gauges,
                GaugeController::voteCall {
                    gauge: *gauge,
                    weight: *weight,
                }
                .abi_encode(),
            ),
            Self::Claim => (p.rewards, RewardDistributor::claimCall {}.abi_encode()),
            Self::SetPrice { feed, answer } => (
                *feed,
                PriceFeed::setAnswerCall { answer: *answer }.abi_encode(),
            ),
            Self::Deposit4626 { assets } => (
                p.vault4626,
                DemoVault4626::depositCall {
                    assets: *assets,
                    receiver: sender,
                }
                .abi_encode(),
            ),
            Self::Redeem4626 { shares } => (
                p.vault4626,
                DemoVault4626::redeemCall {
                    shares: *shares,
                    receiver: sender,
                    owner: sender,
                }
                .abi_encode(),
            ),
            Self::Donate4626 { amount } => (
                p.usdp,
                TestToken::transferCall {
                    to: p.vault4626,
                    value: *amount,
                }
                .abi_encode(),
            ),
            Self::SetRewardRate { user, rate } => (
                p.rewards,
                RewardDistributor::setRewardRateCall {
                    user: *user,
                    ratePerSecond: *rate,
                }
                .abi_encode(),
            ),
        };
        (to, Bytes::from(input))
    }

    /// The contract function, for error messages.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Approve { .. } => "approve",
            Self::Transfer { .. } => "transfer",
            Self::Mint { .. } => "mint",
            Self::AddLiquidity { .. } => "addLiquidity",
            Self::RemoveLiquidity { .. } => "removeLiquidity",
            Self::Swap { .. } => "swapExactIn",
            Self::VaultDeposit { .. } => "vault.deposit",
            Self::VaultWithdraw { .. } => "vault.withdraw",
            Self::Borrow { .. } => "borrow",
            Self::Repay { .. } => "repay",
            Self::CreateLock { .. } => "createLock",
            Self::IncreaseLock { .. } => "increaseLock",
            Self::WithdrawLock { .. } => "escrow.withdraw",
            Self::TransferVeNft { .. } => "escrow.transferFrom",
            Self::MintNft => "nft.mint",
            Self::TransferNft { .. } => "nft.transferFrom",
            Self::SavingsDeposit { .. } => "savings.deposit",
            Self::SavingsWithdraw { .. } => "savings.withdraw",
            Self::SpProvide { .. } => "provide",
            Self::SpWithdraw { .. } => "stabilityPool.withdraw",
            Self::Vote { .. } => "vote",
            Self::Claim => "claim",
            Self::SetPrice { .. } => "setAnswer",
            Self::Deposit4626 { .. } => "vault4626.deposit",
            Self::Redeem4626 { .. } => "redeem",
            Self::Donate4626 { .. } => "donate (USDP transfer)",
            Self::SetRewardRate { .. } => "setRewardRate",
        }
    }

    /// A gas limit that covers the action with room to spare (used when many transactions are
    /// sent before a block is mined, so nothing can be estimated).
    pub fn gas_limit(&self) -> u64 {
        match self {
            Self::Approve { .. } | Self::Transfer { .. } | Self::Mint { .. } => 80_000,
            Self::Donate4626 { .. } | Self::SetPrice { .. } | Self::Claim => 120_000,
            Self::MintNft | Self::TransferNft { .. } | Self::TransferVeNft { .. } => 150_000,
            Self::Vote { .. } | Self::SetRewardRate { .. } => 150_000,
            Self::SavingsDeposit { .. } | Self::SavingsWithdraw { .. } => 150_000,
            Self::SpProvide { .. } | Self::SpWithdraw { .. } => 120_000,
            Self::VaultDeposit { .. } | Self::Repay { .. } => 150_000,
            Self::VaultWithdraw { .. } | Self::Borrow { .. } => 200_000,
            Self::CreateLock { .. } | Self::IncreaseLock { .. } | Self::WithdrawLock { .. } => {
                250_000
            }
            Self::Deposit4626 { .. } | Self::Redeem4626 { .. } => 200_000,
            Self::AddLiquidity { .. } | Self::RemoveLiquidity { .. } | Self::Swap { .. } => 300_000,
        }
    }
}
