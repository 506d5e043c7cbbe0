//! A local anvil chain with tiny hand-assembled contracts that emit logs.

use std::{path::PathBuf, time::Duration};

use alloy::{
    network::TransactionBuilder,
    node_bindings::{Anvil, AnvilInstance},
    primitives::{Address, B256, Bytes, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::TransactionRequest,
};
use tributary_source::{EvmSource, RpcSettings};

/// Runtime code emitting three `LOG1`s whose topic is the first calldata
/// word: `PUSH1 0 CALLDATALOAD PUSH1 size PUSH1 0 LOG1` with sizes 0, 32
/// (32 zero bytes of data) and 0, then `STOP`.
const EMITTER_RUNTIME: &str = "60003560006000a160003560206000a160003560006000a100";

/// Runtime code returning its calldata:
/// `CALLDATASIZE PUSH1 0 PUSH1 0 CALLDATACOPY CALLDATASIZE PUSH1 0 RETURN`.
const ECHO_RUNTIME: &str = "366000600037366000f3";

/// Init code that deploys `runtime`: `PUSH1 len DUP1 PUSH1 11 PUSH1 0
/// CODECOPY PUSH1 0 RETURN`, then the runtime.
fn init_code(runtime: &str) -> Bytes {
    let runtime = alloy::hex::decode(runtime).expect("runtime hex");
    let len = u8::try_from(runtime.len()).expect("short runtime");
    let mut code = vec![
        0x60, len, 0x80, 0x60, 0x0b, 0x60, 0x00, 0x39, 0x60, 0x00, 0xf3,
    ];
    code.extend(runtime);
    code.into()
}

fn anvil_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil")
}

/// A running anvil and a wallet-backed provider to drive it.
pub struct Chain {
    pub anvil: AnvilInstance,
    pub provider: DynProvider,
}

impl Chain {
    pub fn spawn() -> Self {
        let path = anvil_path();
        assert!(
            path.exists(),
            "anvil not found at {} (run npm install in the repo root)",
            path.display()
        );
        let anvil = Anvil::at(path).try_spawn().expect("spawn anvil");
        let wallet = anvil.wallet().expect("anvil wallet");
        let provider = ProviderBuilder::new()
            .wallet(wallet)
            .connect_http(anvil.endpoint_url())
            .erased();
        Self { anvil, provider }
    }

    /// Settings for a source on this chain, with fast retries.
    pub fn settings(&self) -> RpcSettings {
        RpcSettings {
            max_retries: 2,
            backoff_base: Duration::from_millis(5),
            backoff_max: Duration::from_millis(50),
            request_timeout: Duration::from_secs(10),
            poll_interval: Duration::from_millis(50),
            ..RpcSettings::new(vec![self.anvil.endpoint_url()])
        }
    }

    pub async fn source(&self, settings: RpcSettings) -> EvmSource {
        EvmSource::connect(settings).await.expect("connect")
    }

    async fn deploy(&self, runtime: &str) -> Address {
        let tx = TransactionRequest::default().with_deploy_code(init_code(runtime));
        let receipt = self
            .provider
            .send_transaction(tx)
            .await
            .expect("send deploy")
            .get_receipt()
            .await
            .expect("deploy receipt");
        let address = receipt.contract_address.expect("contract address");
        let code = self.provider.get_code_at(address).await.expect("code");
        assert!(!code.is_empty(), "deployed code");
        address
    }

    /// A contract whose every call emits three logs with the calldata word
    /// as topic.
    pub async fn deploy_emitter(&self) -> Address {
        self.deploy(EMITTER_RUNTIME).await
    }

    /// A contract returning its calldata.
    pub async fn deploy_echo(&self) -> Address {
        self.deploy(ECHO_RUNTIME).await
    }

    /// Calls `emitter` in a new block, emitting three logs with `topic`.
    pub async fn emit(&self, emitter: Address, topic: B256) {
        let tx = TransactionRequest::default()
            .with_to(emitter)
            .with_input(topic.to_vec());
        let receipt = self
            .provider
            .send_transaction(tx)
            .await
            .expect("send")
            .get_receipt()
            .await
            .expect("receipt");
        assert!(receipt.status(), "emit succeeded");
    }

    /// Mines `n` empty blocks.
    pub async fn mine(&self, n: u64) {
        let _: serde_json::Value = self
            .provider
            .raw_request("anvil_mine".into(), (U256::from(n),))
            .await
            .expect("anvil_mine");
    }

    pub async fn head(&self) -> u64 {
        self.provider
            .get_block_number()
            .await
            .expect("block number")
    }
}
