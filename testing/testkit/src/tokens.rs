//! Token and factory helpers on [`TestChain`]: deploy, mint, transfer, read balances, create
//! pairs. Every sending helper waits for the receipt and fails if the transaction reverted.

use alloy::{
    eips::BlockId,
    network::TransactionBuilder,
    primitives::{Address, U256},
    rpc::types::TransactionRequest,
    sol_types::SolCall,
};

use crate::{
    Mined, TestChain, TestkitError,
    contracts::{TestFactory, TestToken},
};

impl TestChain {
    /// Deploys a [`TestToken`] from the first dev account and returns its address.
    pub async fn deploy_token(
        &self,
        name: &str,
        symbol: &str,
        decimals: u8,
    ) -> Result<Address, TestkitError> {
        let token = TestToken::deploy(
            self.provider().clone(),
            name.to_owned(),
            symbol.to_owned(),
            decimals,
        )
        .await
        .map_err(TestkitError::contract("deploy TestToken", Address::ZERO))?;
        Ok(*token.address())
    }

    /// Deploys a [`TestFactory`] from the first dev account and returns its address.
    pub async fn deploy_factory(&self) -> Result<Address, TestkitError> {
        let factory = TestFactory::deploy(self.provider().clone())
            .await
            .map_err(TestkitError::contract("deploy TestFactory", Address::ZERO))?;
        Ok(*factory.address())
    }

    /// Mints `amount` of `token` to `to` (one `Transfer` from the zero address).
    pub async fn mint(
        &self,
        token: Address,
        to: Address,
        amount: U256,
    ) -> Result<Mined, TestkitError> {
        let pending = TestToken::new(token, self.provider())
            .mint(to, amount)
            .send()
            .await
            .map_err(TestkitError::contract("mint", token))?;
        Self::confirm("mint", pending).await
    }

    /// Mints `amounts[i]` to `recipients[i]` in one transaction (one `Transfer` each).
    pub async fn batch_mint(
        &self,
        token: Address,
        recipients: &[Address],
        amounts: &[U256],
    ) -> Result<Mined, TestkitError> {
        check_lengths("batchMint", recipients, amounts)?;
        let pending = TestToken::new(token, self.provider())
            .batchMint(recipients.to_vec(), amounts.to_vec())
            .send()
            .await
            .map_err(TestkitError::contract("batchMint", token))?;
        Self::confirm("batchMint", pending).await
    }

    /// Sends `amounts[i]` to `recipients[i]` from dev account `from` (first one if `None`) in
    /// one transaction (one `Transfer` each).
    pub async fn batch_transfer(
        &self,
        token: Address,
        from: Option<usize>,
        recipients: &[Address],
        amounts: &[U256],
    ) -> Result<Mined, TestkitError> {
        check_lengths("batchTransfer", recipients, amounts)?;
        let sender = self.dev_account(from)?;
        let pending = TestToken::new(token, self.provider())
            .batchTransfer(recipients.to_vec(), amounts.to_vec())
            .from(sender)
            .send()
            .await
            .map_err(TestkitError::contract("batchTransfer", token))?;
        Self::confirm("batchTransfer", pending).await
    }

    /// Sends `amount` of `token` from dev account `from` (first one if `None`) to `to`.
    pub async fn transfer(
        &self,
        token: Address,
        from: Option<usize>,
        to: Address,
        amount: U256,
    ) -> Result<Mined, TestkitError> {
        let sender = self.dev_account(from)?;
        let pending = TestToken::new(token, self.provider())
            .transfer(to, amount)
            .from(sender)
            .send()
            .await
            .map_err(TestkitError::contract("transfer", token))?;
        Self::confirm("transfer", pending).await
    }

    /// A not-yet-sent `transfer` from dev account `from` (first one if `None`), e.g. for
    /// [`ReorgTx`](crate::ReorgTx).
    pub fn transfer_tx(
        &self,
        token: Address,
        from: Option<usize>,
        to: Address,
        amount: U256,
    ) -> Result<TransactionRequest, TestkitError> {
        let call = TestToken::transferCall { to, value: amount };
        Ok(TransactionRequest::default()
            .with_from(self.dev_account(from)?)
            .with_to(token)
            .with_input(call.abi_encode()))
    }

    /// A not-yet-sent `mint` from the first dev account, e.g. for [`ReorgTx`](crate::ReorgTx).
    pub fn mint_tx(
        &self,
        token: Address,
        to: Address,
        amount: U256,
    ) -> Result<TransactionRequest, TestkitError> {
        let call = TestToken::mintCall { to, amount };
        Ok(TransactionRequest::default()
            .with_from(self.dev_account(None)?)
            .with_to(token)
            .with_input(call.abi_encode()))
    }

    /// `balanceOf(account)` at `block` (latest if `None`).
    pub async fn balance_of(
        &self,
        token: Address,
        account: Address,
        block: Option<u64>,
    ) -> Result<U256, TestkitError> {
        TestToken::new(token, self.provider())
            .balanceOf(account)
            .block(block_id(block))
            .call()
            .await
            .map_err(TestkitError::contract("balanceOf", token))
    }

    /// `totalSupply()` at `block` (latest if `None`).
    pub async fn total_supply(
        &self,
        token: Address,
        block: Option<u64>,
    ) -> Result<U256, TestkitError> {
        TestToken::new(token, self.provider())
            .totalSupply()
            .block(block_id(block))
            .call()
            .await
            .map_err(TestkitError::contract("totalSupply", token))
    }

    /// Calls `createPairAndMint` on `factory`: deploys the pair of `token_a`/`token_b` and
    /// mints `amount` of the pair to `to` in the same transaction. Returns the pair address
    /// (from the `PairCreated` event) and the block number.
    pub async fn create_pair_and_mint(
        &self,
        factory: Address,
        token_a: Address,
        token_b: Address,
        to: Address,
        amount: U256,
    ) -> Result<(Address, u64), TestkitError> {
        let pending = TestFactory::new(factory, self.provider())
            .createPairAndMint(token_a, token_b, to, amount)
            .send()
            .await
            .map_err(TestkitError::contract("createPairAndMint", factory))?;
        let (mined, receipt) = Self::confirm_receipt("createPairAndMint", pending).await?;
        let pair = receipt
            .logs()
            .iter()
            .filter(|log| log.address() == factory)
            .find_map(|log| log.log_decode::<TestFactory::PairCreated>().ok())
            .map(|log| log.inner.data.pair)
            .ok_or(TestkitError::MissingField {
                what: "PairCreated event in the receipt",
            })?;
        Ok((pair, mined.block_number))
    }
}

/// `Some(n)` is block `n`, `None` the latest block.
fn block_id(block: Option<u64>) -> BlockId {
    block.map_or(BlockId::latest(), BlockId::number)
}

fn check_lengths(
    what: &'static str,
    recipients: &[Address],
    amounts: &[U256],
) -> Result<(), TestkitError> {
    if recipients.len() == amounts.len() {
        Ok(())
    } else {
        Err(TestkitError::LengthMismatch {
            what,
            left: recipients.len(),
            right: amounts.len(),
        })
    }
}
