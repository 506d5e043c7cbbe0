//! [`Action`]: everything a user (or the owner) can do to the demo protocol, and how each one
//! becomes a transaction.

mod encode;

use alloy::primitives::{Address, I256, U256};

/// One transaction against the demo protocol, sent by whichever account
/// [`Protocol::act`](super::Protocol::act) is given. Amounts are in the token's base units;
/// tokens are addresses from [`Protocol`](super::Protocol).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// ERC-20 `approve(spender, amount)` on `token` (any ERC-20 of the protocol, LP tokens and
    /// vault shares included).
    Approve {
        /// The token.
        token: Address,
        /// Who may spend.
        spender: Address,
        /// How much.
        amount: U256,
    },
    /// ERC-20 `transfer(to, amount)` on `token`.
    Transfer {
        /// The token.
        token: Address,
        /// The recipient.
        to: Address,
        /// How much.
        amount: U256,
    },
    /// The open `mint(to, amount)` of a test token (WETH, WBTC, GOV or USDP).
    Mint {
        /// The token.
        token: Address,
        /// The recipient.
        to: Address,
        /// How much.
        amount: U256,
    },
    /// `router.addLiquidity`: at most the desired amounts, at the pool's ratio; LP to the sender.
    AddLiquidity {
        /// First token of the pair.
        token_a: Address,
        /// Second token of the pair.
        token_b: Address,
        /// Most of `token_a` to add.
        amount_a: U256,
        /// Most of `token_b` to add.
        amount_b: U256,
    },
    /// `router.removeLiquidity`: burns `liquidity` LP tokens, both tokens to the sender.
    RemoveLiquidity {
        /// First token of the pair.
        token_a: Address,
        /// Second token of the pair.
        token_b: Address,
        /// LP tokens to burn.
        liquidity: U256,
    },
    /// `router.swapExactIn` to the sender.
    Swap {
        /// Token sold.
        token_in: Address,
        /// Token bought.
        token_out: Address,
        /// Exact amount sold.
        amount_in: U256,
        /// Least amount bought, or the swap reverts.
        min_out: U256,
    },
    /// `vault.deposit(collateral, amount)`.
    VaultDeposit {
        /// The collateral token.
        collateral: Address,
        /// How much.
        amount: U256,
    },
    /// `vault.withdraw(collateral, amount)`.
    VaultWithdraw {
        /// The collateral token.
        collateral: Address,
        /// How much.
        amount: U256,
    },
    /// `vault.borrow(amount)`: mints USDP.
    Borrow {
        /// USDP to mint.
        amount: U256,
    },
    /// `vault.repay(amount)`: burns the sender's USDP.
    Repay {
        /// USDP to burn.
        amount: U256,
    },
    /// `escrow.createLock(amount, lock_end)`.
    CreateLock {
        /// GOV to lock.
        amount: U256,
        /// Unix time the lock ends.
        lock_end: u64,
    },
    /// `escrow.increaseLock(token_id, add_amount, lock_end)`.
    IncreaseLock {
        /// The veNFT.
        token_id: U256,
        /// GOV to add (may be zero).
        add_amount: U256,
        /// The new end (not before the current one).
        lock_end: u64,
    },
    /// `escrow.withdraw(token_id)` of an expired lock; burns the veNFT.
    WithdrawLock {
        /// The veNFT.
        token_id: U256,
    },
    /// `escrow.transferFrom(sender, to, token_id)`.
    TransferVeNft {
        /// The recipient.
        to: Address,
        /// The veNFT.
        token_id: U256,
    },
    /// `nft.mint(sender)`.
    MintNft,
    /// `nft.transferFrom(sender, to, token_id)`.
    TransferNft {
        /// The recipient.
        to: Address,
        /// The token.
        token_id: U256,
    },
    /// `savings.deposit(amount)`.
    SavingsDeposit {
        /// USDP to deposit.
        amount: U256,
    },
    /// `savings.withdraw(amount)` (principal only).
    SavingsWithdraw {
        /// USDP to withdraw.
        amount: U256,
    },
    /// `stabilityPool.provide(amount)`.
    SpProvide {
        /// USDP to deposit.
        amount: U256,
    },
    /// `stabilityPool.withdraw(amount)`.
    SpWithdraw {
        /// USDP to withdraw.
        amount: U256,
    },
    /// `gauges.vote(gauge, weight)`.
    Vote {
        /// The gauge (a pair address).
        gauge: Address,
        /// The absolute weight, replacing the sender's previous vote.
        weight: U256,
    },
    /// `rewards.claim()`.
    Claim,
    /// `feed.setAnswer(answer)` (8 decimals).
    SetPrice {
        /// The feed.
        feed: Address,
        /// The new price, 8 decimals.
        answer: I256,
    },
    /// `vault4626.deposit(assets, sender)`.
    Deposit4626 {
        /// USDP to deposit.
        assets: U256,
    },
    /// `vault4626.redeem(shares, sender, sender)`.
    Redeem4626 {
        /// Shares to burn.
        shares: U256,
    },
    /// A plain USDP transfer to the 4626 vault: profit for its shareholders.
    Donate4626 {
        /// USDP to give.
        amount: U256,
    },
    /// Owner only: `rewards.setRewardRate(user, rate)`.
    SetRewardRate {
        /// The user.
        user: Address,
        /// GOV base units per second.
        rate: U256,
    },
}
