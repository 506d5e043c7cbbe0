//! The canonical Uniswap V2 core contracts, deployed from the compiled bytecode the
//! `@uniswap/v2-core` npm package ships (`node_modules/@uniswap/v2-core/build/*.json`, installed
//! by `npm ci` in the repo root), so tests can check that indexing works on the real thing and
//! not only on our `DemoPair`.
//!
//! Every sending helper acts as dev account 0 and waits for the receipt.

use std::path::{Path, PathBuf};

use alloy::{
    eips::BlockId,
    network::TransactionBuilder,
    primitives::{Address, Bytes, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
    sol_types::SolValue,
};

use crate::{TestChain, TestkitError, contracts::TestToken};

alloy::sol! {
    /// The functions and events of the canonical `UniswapV2Factory` the testkit uses.
    #[sol(rpc)]
    #[derive(Debug)]
    interface IUniswapV2Factory {
        event PairCreated(address indexed token0, address indexed token1, address pair, uint256);
        function createPair(address tokenA, address tokenB) external returns (address pair);
        function getPair(address tokenA, address tokenB) external view returns (address pair);
        function allPairsLength() external view returns (uint256);
    }

    /// The functions and events of the canonical `UniswapV2Pair` the testkit uses.
    #[sol(rpc)]
    #[derive(Debug)]
    interface IUniswapV2Pair {
        event Transfer(address indexed from, address indexed to, uint256 value);
        event Mint(address indexed sender, uint256 amount0, uint256 amount1);
        event Burn(address indexed sender, uint256 amount0, uint256 amount1, address indexed to);
        event Swap(address indexed sender, uint256 amount0In, uint256 amount1In, uint256 amount0Out, uint256 amount1Out, address indexed to);
        event Sync(uint112 reserve0, uint112 reserve1);
        function token0() external view returns (address);
        function token1() external view returns (address);
        function getReserves() external view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast);
        function mint(address to) external returns (uint256 liquidity);
        function burn(address to) external returns (uint256 amount0, uint256 amount1);
        function swap(uint256 amount0Out, uint256 amount1Out, address to, bytes calldata data) external;
        function sync() external;
    }
}

/// Where `npm ci` puts the package's compiled contracts, relative to the workspace root.
const BUILD_DIR: &str = "node_modules/@uniswap/v2-core/build";

/// `node_modules/@uniswap/v2-core/build` in this workspace.
pub fn uniswap_v2_build_dir() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .nth(2)
        .unwrap_or(manifest)
        .join(BUILD_DIR)
}

/// The creation bytecode in `<build dir>/<name>.json` (e.g. `UniswapV2Factory`).
pub fn uniswap_v2_bytecode(name: &str) -> Result<Bytes, TestkitError> {
    let path = uniswap_v2_build_dir().join(format!("{name}.json"));
    let fail = |reason: String| TestkitError::Artifact {
        path: path.clone(),
        reason,
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| fail(format!("{e}; run `npm ci` in the repo root")))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| fail(format!("not JSON: {e}")))?;
    let code = json
        .get("bytecode")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| fail("no \"bytecode\" string".to_owned()))?;
    alloy::hex::decode(code)
        .map(Bytes::from)
        .map_err(|e| fail(format!("bytecode is not hex: {e}")))
}

/// A canonical `UniswapV2Factory` on a test chain. The helpers act as dev account 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UniswapV2 {
    /// The factory address.
    pub factory: Address,
}

/// Reserves of a pair as `getReserves()` answers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PairReserves {
    /// Reserve of `token0`.
    pub reserve0: U256,
    /// Reserve of `token1`.
    pub reserve1: U256,
    /// Timestamp (mod 2^32) of the last update.
    pub block_timestamp_last: u32,
}

impl UniswapV2 {
    /// Deploys `UniswapV2Factory(feeToSetter = dev account 0)` from the npm package's bytecode.
    pub async fn deploy(chain: &TestChain) -> Result<Self, TestkitError> {
        let owner = chain.dev_account(None)?;
        let mut code = uniswap_v2_bytecode("UniswapV2Factory")?.to_vec();
        code.extend(owner.abi_encode());
        let request = TransactionRequest::default()
            .with_from(owner)
            .with_deploy_code(code);
        let pending =
            chain
                .provider()
                .send_transaction(request)
                .await
                .map_err(TestkitError::rpc(
                    "eth_sendTransaction (deploy UniswapV2Factory)",
                ))?;
        let (_, receipt) = TestChain::confirm_receipt("deploy UniswapV2Factory", pending).await?;
        let factory = receipt.contract_address.ok_or(TestkitError::MissingField {
            what: "receipt.contractAddress",
        })?;
        Ok(Self { factory })
    }

    /// `createPair(token_a, token_b)`; returns the pair address.
    pub async fn create_pair(
        &self,
        chain: &TestChain,
        token_a: Address,
        token_b: Address,
    ) -> Result<Address, TestkitError> {
        let factory = IUniswapV2Factory::new(self.factory, chain.provider());
        let pending = factory
            .createPair(token_a, token_b)
            .send()
            .await
            .map_err(TestkitError::contract("createPair", self.factory))?;
        TestChain::confirm("createPair", pending).await?;
        factory
            .getPair(token_a, token_b)
            .call()
            .await
            .map_err(TestkitError::contract("getPair", self.factory))
    }

    /// Mints `amount0` of `token0` and `amount1` of `token1` (test tokens) to dev account 0,
    /// transfers them to the pair and calls `mint(to)`; returns the LP tokens minted.
    pub async fn add_liquidity(
        &self,
        chain: &TestChain,
        pair: Address,
        amount0: U256,
        amount1: U256,
        to: Address,
    ) -> Result<U256, TestkitError> {
        let (token0, token1) = self.tokens(chain, pair).await?;
        for (token, amount) in [(token0, amount0), (token1, amount1)] {
            fund_and_send(chain, token, pair, amount).await?;
        }
        let before = chain.balance_of(pair, to, None).await?;
        let pending = IUniswapV2Pair::new(pair, chain.provider())
            .mint(to)
            .send()
            .await
            .map_err(TestkitError::contract("mint", pair))?;
        TestChain::confirm("mint", pending).await?;
        Ok(chain.balance_of(pair, to, None).await? - before)
    }

    /// Swaps exactly `amount_in` of `token_in` (minted to dev account 0 first) for the other
    /// token, sent to `to`, with V2's fee formula; returns the amount out.
    pub async fn swap(
        &self,
        chain: &TestChain,
        pair: Address,
        token_in: Address,
        amount_in: U256,
        to: Address,
    ) -> Result<U256, TestkitError> {
        let (token0, _) = self.tokens(chain, pair).await?;
        let reserves = self.reserves(chain, pair, None).await?;
        let (reserve_in, reserve_out) = if token_in == token0 {
            (reserves.reserve0, reserves.reserve1)
        } else {
            (reserves.reserve1, reserves.reserve0)
        };
        let amount_out = amount_out(amount_in, reserve_in, reserve_out);
        fund_and_send(chain, token_in, pair, amount_in).await?;
        let (out0, out1) = if token_in == token0 {
            (U256::ZERO, amount_out)
        } else {
            (amount_out, U256::ZERO)
        };
        let pending = IUniswapV2Pair::new(pair, chain.provider())
            .swap(out0, out1, to, Bytes::new())
            .send()
            .await
            .map_err(TestkitError::contract("swap", pair))?;
        TestChain::confirm("swap", pending).await?;
        Ok(amount_out)
    }

    /// Sends `liquidity` LP tokens from dev account 0 to the pair and calls `burn(to)`;
    /// returns `(amount0, amount1)` paid out.
    pub async fn burn(
        &self,
        chain: &TestChain,
        pair: Address,
        liquidity: U256,
        to: Address,
    ) -> Result<(U256, U256), TestkitError> {
        let (token0, token1) = self.tokens(chain, pair).await?;
        let before = (
            chain.balance_of(token0, to, None).await?,
            chain.balance_of(token1, to, None).await?,
        );
        chain.transfer(pair, None, pair, liquidity).await?;
        let pending = IUniswapV2Pair::new(pair, chain.provider())
            .burn(to)
            .send()
            .await
            .map_err(TestkitError::contract("burn", pair))?;
        TestChain::confirm("burn", pending).await?;
        Ok((
            chain.balance_of(token0, to, None).await? - before.0,
            chain.balance_of(token1, to, None).await? - before.1,
        ))
    }

    /// `(token0(), token1())` of `pair`.
    pub async fn tokens(
        &self,
        chain: &TestChain,
        pair: Address,
    ) -> Result<(Address, Address), TestkitError> {
        let instance = IUniswapV2Pair::new(pair, chain.provider());
        let token0 = instance
            .token0()
            .call()
            .await
            .map_err(TestkitError::contract("token0", pair))?;
        let token1 = instance
            .token1()
            .call()
            .await
            .map_err(TestkitError::contract("token1", pair))?;
        Ok((token0, token1))
    }

    /// `getReserves()` of `pair` at `block` (latest if `None`). LP balances and supply are
    /// [`TestChain::balance_of`] and [`TestChain::total_supply`] on the pair address.
    pub async fn reserves(
        &self,
        chain: &TestChain,
        pair: Address,
        block: Option<u64>,
    ) -> Result<PairReserves, TestkitError> {
        let r = IUniswapV2Pair::new(pair, chain.provider())
            .getReserves()
            .block(block.map_or(BlockId::latest(), BlockId::number))
            .call()
            .await
            .map_err(TestkitError::contract("getReserves", pair))?;
        Ok(PairReserves {
            reserve0: U256::from(r.reserve0),
            reserve1: U256::from(r.reserve1),
            block_timestamp_last: r.blockTimestampLast,
        })
    }
}

/// Uniswap V2's `getAmountOut`: the 0.3% fee, floored.
pub fn amount_out(amount_in: U256, reserve_in: U256, reserve_out: U256) -> U256 {
    let with_fee = amount_in * U256::from(997);
    let denominator = reserve_in * U256::from(1000) + with_fee;
    if denominator.is_zero() {
        return U256::ZERO;
    }
    with_fee * reserve_out / denominator
}

/// Mints `amount` of test token `token` to dev account 0 and sends it to `to`.
async fn fund_and_send(
    chain: &TestChain,
    token: Address,
    to: Address,
    amount: U256,
) -> Result<(), TestkitError> {
    let owner = chain.dev_account(None)?;
    chain.mint(token, owner, amount).await?;
    let pending = TestToken::new(token, chain.provider())
        .transfer(to, amount)
        .send()
        .await
        .map_err(TestkitError::contract("transfer", token))?;
    TestChain::confirm("transfer", pending).await.map(|_| ())
}
