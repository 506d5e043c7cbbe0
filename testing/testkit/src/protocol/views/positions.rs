//! Views of the position-holding contracts: vote-escrow, savings, stability pool, gauges,
//! rewards, the ERC-4626 vault and the NFT.

use alloy::primitives::{Address, U256};

use super::at;
use crate::{
    TestChain, TestkitError,
    contracts::{
        DemoNFT, DemoVault4626, GaugeController, RewardDistributor, SavingRate, StabilityPool,
        VotingEscrow,
    },
    protocol::Protocol,
};

impl Protocol {
    /// `escrow.locked(token_id)` as `(amount, lock_end)`; `(0, 0)` once withdrawn.
    pub async fn locked(
        &self,
        chain: &TestChain,
        token_id: U256,
        block: Option<u64>,
    ) -> Result<(U256, U256), TestkitError> {
        let lock = view!(
            chain,
            VotingEscrow,
            self.escrow,
            block,
            "locked",
            locked(token_id)
        )?;
        Ok((lock.amount, lock.lockEnd))
    }

    /// `escrow.votingPower(token_id)` at the block's timestamp.
    pub async fn voting_power(
        &self,
        chain: &TestChain,
        token_id: U256,
        block: Option<u64>,
    ) -> Result<U256, TestkitError> {
        view!(
            chain,
            VotingEscrow,
            self.escrow,
            block,
            "votingPower",
            votingPower(token_id)
        )
    }

    /// `escrow.ownerOf(token_id)`; fails for a burnt or unknown token.
    pub async fn ve_owner_of(
        &self,
        chain: &TestChain,
        token_id: U256,
        block: Option<u64>,
    ) -> Result<Address, TestkitError> {
        view!(
            chain,
            VotingEscrow,
            self.escrow,
            block,
            "ownerOf",
            ownerOf(token_id)
        )
    }

    /// `escrow.balanceOf(owner)`: how many veNFTs `owner` holds.
    pub async fn ve_balance_of(
        &self,
        chain: &TestChain,
        owner: Address,
        block: Option<u64>,
    ) -> Result<U256, TestkitError> {
        view!(
            chain,
            VotingEscrow,
            self.escrow,
            block,
            "balanceOf",
            balanceOf(owner)
        )
    }

    /// `escrow.token()`: GOV.
    pub async fn escrow_token(&self, chain: &TestChain) -> Result<Address, TestkitError> {
        view!(chain, VotingEscrow, self.escrow, None, "token", token())
    }

    /// `savings.principalOf(user)`.
    pub async fn principal_of(
        &self,
        chain: &TestChain,
        user: Address,
        block: Option<u64>,
    ) -> Result<U256, TestkitError> {
        view!(
            chain,
            SavingRate,
            self.savings,
            block,
            "principalOf",
            principalOf(user)
        )
    }

    /// `savings.accruedInterest(user)` at the block's timestamp.
    pub async fn accrued_interest(
        &self,
        chain: &TestChain,
        user: Address,
        block: Option<u64>,
    ) -> Result<U256, TestkitError> {
        view!(
            chain,
            SavingRate,
            self.savings,
            block,
            "accruedInterest",
            accruedInterest(user)
        )
    }

    /// `savings.ratePerSecond()` (1e18-scaled).
    pub async fn rate_per_second(
        &self,
        chain: &TestChain,
        block: Option<u64>,
    ) -> Result<U256, TestkitError> {
        view!(
            chain,
            SavingRate,
            self.savings,
            block,
            "ratePerSecond",
            ratePerSecond()
        )
    }

    /// `stabilityPool.deposits(user)`.
    pub async fn sp_deposit(
        &self,
        chain: &TestChain,
        user: Address,
        block: Option<u64>,
    ) -> Result<U256, TestkitError> {
        view!(
            chain,
            StabilityPool,
            self.stability_pool,
            block,
            "deposits",
            deposits(user)
        )
    }

    /// `gauges.gaugeWeight(gauge)`.
    pub async fn gauge_weight(
        &self,
        chain: &TestChain,
        gauge: Address,
        block: Option<u64>,
    ) -> Result<U256, TestkitError> {
        view!(
            chain,
            GaugeController,
            self.gauges,
            block,
            "gaugeWeight",
            gaugeWeight(gauge)
        )
    }

    /// `gauges.totalWeight()`.
    pub async fn total_weight(
        &self,
        chain: &TestChain,
        block: Option<u64>,
    ) -> Result<U256, TestkitError> {
        view!(
            chain,
            GaugeController,
            self.gauges,
            block,
            "totalWeight",
            totalWeight()
        )
    }

    /// `gauges.userVote(user, gauge)`.
    pub async fn user_vote(
        &self,
        chain: &TestChain,
        user: Address,
        gauge: Address,
        block: Option<u64>,
    ) -> Result<U256, TestkitError> {
        view!(
            chain,
            GaugeController,
            self.gauges,
            block,
            "userVote",
            userVote(user, gauge)
        )
    }

    /// `gauges.emissionRate()`: GOV base units per second.
    pub async fn emission_rate(
        &self,
        chain: &TestChain,
        block: Option<u64>,
    ) -> Result<U256, TestkitError> {
        view!(
            chain,
            GaugeController,
            self.gauges,
            block,
            "emissionRate",
            emissionRate()
        )
    }

    /// `rewards.pendingRewards(user)` at the block's timestamp.
    pub async fn pending_rewards(
        &self,
        chain: &TestChain,
        user: Address,
        block: Option<u64>,
    ) -> Result<U256, TestkitError> {
        view!(
            chain,
            RewardDistributor,
            self.rewards,
            block,
            "pendingRewards",
            pendingRewards(user)
        )
    }

    /// `rewards.rewardRate(user)`: GOV base units per second.
    pub async fn reward_rate(
        &self,
        chain: &TestChain,
        user: Address,
        block: Option<u64>,
    ) -> Result<U256, TestkitError> {
        view!(
            chain,
            RewardDistributor,
            self.rewards,
            block,
            "rewardRate",
            rewardRate(user)
        )
    }

    /// `vault4626.totalAssets()`: its USDP balance.
    pub async fn total_assets(
        &self,
        chain: &TestChain,
        block: Option<u64>,
    ) -> Result<U256, TestkitError> {
        view!(
            chain,
            DemoVault4626,
            self.vault4626,
            block,
            "totalAssets",
            totalAssets()
        )
    }

    /// `vault4626.convertToShares(assets)`.
    pub async fn convert_to_shares(
        &self,
        chain: &TestChain,
        assets: U256,
        block: Option<u64>,
    ) -> Result<U256, TestkitError> {
        view!(
            chain,
            DemoVault4626,
            self.vault4626,
            block,
            "convertToShares",
            convertToShares(assets)
        )
    }

    /// `vault4626.convertToAssets(shares)`.
    pub async fn convert_to_assets(
        &self,
        chain: &TestChain,
        shares: U256,
        block: Option<u64>,
    ) -> Result<U256, TestkitError> {
        view!(
            chain,
            DemoVault4626,
            self.vault4626,
            block,
            "convertToAssets",
            convertToAssets(shares)
        )
    }

    /// `vault4626.asset()`: USDP.
    pub async fn vault4626_asset(&self, chain: &TestChain) -> Result<Address, TestkitError> {
        view!(chain, DemoVault4626, self.vault4626, None, "asset", asset())
    }

    /// `nft.ownerOf(token_id)`; fails for an unknown token.
    pub async fn nft_owner_of(
        &self,
        chain: &TestChain,
        token_id: U256,
        block: Option<u64>,
    ) -> Result<Address, TestkitError> {
        view!(
            chain,
            DemoNFT,
            self.nft,
            block,
            "ownerOf",
            ownerOf(token_id)
        )
    }

    /// `nft.balanceOf(owner)`.
    pub async fn nft_balance_of(
        &self,
        chain: &TestChain,
        owner: Address,
        block: Option<u64>,
    ) -> Result<U256, TestkitError> {
        view!(
            chain,
            DemoNFT,
            self.nft,
            block,
            "balanceOf",
            balanceOf(owner)
        )
    }
}
