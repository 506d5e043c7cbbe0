//! [`TestChain`]: a private anvil node with a funded wallet, and the node-level controls tests
//! need (mining, snapshots, reorgs). Token and factory helpers live in `tokens.rs`.

use std::{ffi::OsString, path::PathBuf, time::Duration};

use alloy::{
    network::Ethereum,
    node_bindings::AnvilInstance,
    primitives::{Address, B256, U256},
    providers::{
        DynProvider, PendingTransactionBuilder, PendingTransactionError, Provider, ProviderBuilder,
        ext::AnvilApi,
    },
    rpc::types::{
        TransactionReceipt, TransactionRequest,
        anvil::{ReorgOptions, TransactionData},
    },
    transports::RpcError,
};

use crate::{
    TestkitError,
    anvil::{anvil_path, spawn_anvil},
};

/// How long helpers wait for a receipt before failing (so a test with automine off fails
/// instead of hanging).
const RECEIPT_TIMEOUT: Duration = Duration::from_secs(120);

/// A transaction that was mined successfully.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mined {
    /// The transaction hash.
    pub tx_hash: B256,
    /// The block it was mined in.
    pub block_number: u64,
    /// The hash of that block.
    pub block_hash: B256,
}

/// A transaction to include in the replacement blocks of [`TestChain::reorg`].
#[derive(Debug, Clone)]
pub struct ReorgTx {
    /// The transaction as JSON-RPC request; anvil fills the nonce (counted from the common
    /// ancestor), estimates gas if missing and signs it with the dev key of `from` (the first
    /// dev account when `from` is unset).
    pub tx: TransactionRequest,
    /// Which replacement block gets it: 0 is the first block after the common ancestor, and it
    /// must be below the reorg depth.
    pub block_offset: u64,
}

/// A private anvil node on a free port, killed when this value is dropped.
///
/// The [`provider`](Self::provider) signs with all of anvil's dev keys; transactions are sent
/// from the first dev account unless a helper takes a dev-account index.
#[derive(Debug)]
pub struct TestChain {
    anvil: AnvilInstance,
    provider: DynProvider,
    binary: PathBuf,
}

impl TestChain {
    /// Starts anvil with its defaults (automine on, chain id 31337, 10 funded dev accounts).
    pub async fn spawn() -> Result<Self, TestkitError> {
        Self::spawn_with(Vec::<OsString>::new()).await
    }

    /// Starts anvil with extra command-line arguments, e.g. `["--block-time", "1"]` or
    /// `["--no-mining"]`.
    pub async fn spawn_with<I, S>(args: I) -> Result<Self, TestkitError>
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        let binary = anvil_path()?;
        let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
        let path = binary.clone();
        // `try_spawn` blocks reading anvil's stdout until it listens.
        let anvil = tokio::task::spawn_blocking(move || spawn_anvil(&path, args))
            .await
            .map_err(|join| TestkitError::AnvilSpawn {
                path: binary.clone(),
                source: alloy::node_bindings::NodeError::SpawnError(std::io::Error::other(
                    join.to_string(),
                )),
            })??;
        let wallet = anvil.wallet().ok_or_else(|| TestkitError::NoDevAccounts {
            path: binary.clone(),
        })?;
        // Nonces are asked of the node each time (not cached): snapshots, reorgs and the
        // workload's explicit nonces would leave a cache behind the chain.
        let provider = ProviderBuilder::new()
            .disable_recommended_fillers()
            .with_gas_estimation()
            .with_simple_nonce_management()
            .with_chain_id(anvil.chain_id())
            .wallet(wallet)
            .connect_http(anvil.endpoint_url())
            .erased();
        Ok(Self {
            anvil,
            provider,
            binary,
        })
    }

    /// The HTTP JSON-RPC endpoint, e.g. `http://127.0.0.1:41234`.
    pub fn rpc_url(&self) -> String {
        self.anvil.endpoint()
    }

    /// The WebSocket JSON-RPC endpoint, e.g. `ws://127.0.0.1:41234`.
    pub fn ws_url(&self) -> String {
        self.anvil.ws_endpoint()
    }

    /// The provider (HTTP, all dev keys as wallet). Cloning it is cheap.
    pub fn provider(&self) -> &DynProvider {
        &self.provider
    }

    /// The anvil process handle (keys, port).
    pub fn anvil(&self) -> &AnvilInstance {
        &self.anvil
    }

    /// The anvil binary this chain runs.
    pub fn binary(&self) -> &std::path::Path {
        &self.binary
    }

    /// The chain id anvil reported (31337 unless `--chain-id` was passed).
    pub fn chain_id(&self) -> u64 {
        self.anvil.chain_id()
    }

    /// The dev accounts, in anvil's order; each holds 10,000 ETH at genesis.
    pub fn dev_accounts(&self) -> Vec<Address> {
        self.anvil.addresses().to_vec()
    }

    /// The dev account at `index`; `None` means the first one.
    pub fn dev_account(&self, index: Option<usize>) -> Result<Address, TestkitError> {
        let index = index.unwrap_or(0);
        let accounts = self.anvil.addresses();
        accounts
            .get(index)
            .copied()
            .ok_or(TestkitError::NoSuchDevAccount {
                index,
                available: accounts.len(),
            })
    }

    /// Mines `n` blocks at once (`anvil_mine`).
    pub async fn mine(&self, n: u64) -> Result<(), TestkitError> {
        self.provider
            .anvil_mine(Some(n), None)
            .await
            .map_err(TestkitError::rpc("anvil_mine"))
    }

    /// Mines one block with whatever is in the transaction pool (`evm_mine`).
    pub async fn mine_one(&self) -> Result<(), TestkitError> {
        self.provider
            .evm_mine(None)
            .await
            .map_err(TestkitError::rpc("evm_mine"))?;
        Ok(())
    }

    /// Turns automatic mining of each transaction on or off (`anvil_setAutomine`).
    pub async fn set_automine(&self, enabled: bool) -> Result<(), TestkitError> {
        self.provider
            .anvil_set_auto_mine(enabled)
            .await
            .map_err(TestkitError::rpc("anvil_setAutomine"))
    }

    /// Whether automine is on (`anvil_getAutomine`).
    pub async fn automine(&self) -> Result<bool, TestkitError> {
        self.provider
            .anvil_get_auto_mine()
            .await
            .map_err(TestkitError::rpc("anvil_getAutomine"))
    }

    /// The latest block number.
    pub async fn head(&self) -> Result<u64, TestkitError> {
        self.provider
            .get_block_number()
            .await
            .map_err(TestkitError::rpc("eth_blockNumber"))
    }

    /// The hash of canonical block `number`.
    pub async fn block_hash(&self, number: u64) -> Result<B256, TestkitError> {
        let block = self
            .provider
            .get_block_by_number(number.into())
            .await
            .map_err(TestkitError::rpc("eth_getBlockByNumber"))?
            .ok_or(TestkitError::BlockNotFound { number })?;
        Ok(block.header.hash)
    }

    /// Saves the chain state (`evm_snapshot`); returns the id to [`revert`](Self::revert) to.
    pub async fn snapshot(&self) -> Result<U256, TestkitError> {
        self.provider
            .anvil_snapshot()
            .await
            .map_err(TestkitError::rpc("evm_snapshot"))
    }

    /// Restores a snapshot (`evm_revert`). A snapshot id can be used once.
    pub async fn revert(&self, id: U256) -> Result<(), TestkitError> {
        let reverted = self
            .provider
            .anvil_revert(id)
            .await
            .map_err(TestkitError::rpc("evm_revert"))?;
        if reverted {
            Ok(())
        } else {
            Err(TestkitError::RevertRefused { id })
        }
    }

    /// Replaces the last `depth` blocks with `depth` new blocks (`anvil_reorg`), at the same
    /// heights but with new hashes. The replaced blocks' transactions are dropped; `txs` are
    /// mined into the new blocks instead (see [`ReorgTx`]).
    pub async fn reorg(&self, depth: u64, txs: Vec<ReorgTx>) -> Result<(), TestkitError> {
        let tx_block_pairs = txs
            .into_iter()
            .map(|t| (TransactionData::JSON(t.tx), t.block_offset))
            .collect();
        self.provider
            .anvil_reorg(ReorgOptions {
                depth,
                tx_block_pairs,
            })
            .await
            .map_err(TestkitError::rpc("anvil_reorg"))
    }

    /// Waits (at most two minutes) for a sent transaction's receipt and checks it succeeded.
    pub(crate) async fn confirm(
        call: &'static str,
        pending: PendingTransactionBuilder<Ethereum>,
    ) -> Result<Mined, TestkitError> {
        Self::confirm_receipt(call, pending)
            .await
            .map(|(mined, _)| mined)
    }

    /// Like [`confirm`](Self::confirm), and also returns the receipt (for its logs).
    pub(crate) async fn confirm_receipt(
        call: &'static str,
        pending: PendingTransactionBuilder<Ethereum>,
    ) -> Result<(Mined, TransactionReceipt), TestkitError> {
        let tx_hash = *pending.tx_hash();
        let provider = pending.provider().clone();
        let receipt = match pending
            .with_timeout(Some(RECEIPT_TIMEOUT))
            .get_receipt()
            .await
        {
            Ok(r) => Some(r),
            // alloy's block watcher can take a transaction for mined while
            // anvil has no receipt for it yet: after an `anvil_reorg`, a
            // transfer with the same sender, nonce and amount has the hash
            // of one in a dropped block the watcher saw. Ask anvil directly.
            Err(PendingTransactionError::TransportError(RpcError::NullResp)) => {
                let mut found = None;
                for _ in 0..100 {
                    if let Some(r) = provider
                        .get_transaction_receipt(tx_hash)
                        .await
                        .ok()
                        .flatten()
                    {
                        found = Some(r);
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                found
            }
            Err(source) => {
                return Err(TestkitError::Receipt {
                    call,
                    tx_hash,
                    source,
                });
            }
        };
        let receipt = receipt.ok_or(TestkitError::Receipt {
            call,
            tx_hash,
            source: PendingTransactionError::TransportError(RpcError::NullResp),
        })?;
        let block_number = receipt.block_number.ok_or(TestkitError::MissingField {
            what: "receipt.blockNumber",
        })?;
        let block_hash = receipt.block_hash.ok_or(TestkitError::MissingField {
            what: "receipt.blockHash",
        })?;
        if !receipt.status() {
            return Err(TestkitError::Reverted {
                call,
                tx_hash,
                block: block_number,
            });
        }
        Ok((
            Mined {
                tx_hash,
                block_number,
                block_hash,
            },
            receipt,
        ))
    }
}
