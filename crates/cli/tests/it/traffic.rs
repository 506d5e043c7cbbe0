//! Live traffic for the tests that kill processes while the chain moves.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use alloy::primitives::{Address, U256};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tributary_testkit::TestChain;

/// Transfers between dev accounts every few tens of milliseconds (one block
/// each, automine) until `stop`;
/// returns how many were sent.
pub fn traffic(
    chain: Arc<TestChain>,
    token: Address,
    seed: u64,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<u64> {
    tokio::spawn(async move {
        let mut rng = StdRng::seed_from_u64(seed);
        let dev = chain.dev_accounts();
        let mut sent = 0;
        while !stop.load(Ordering::Relaxed) {
            let from = rng.random_range(0..dev.len());
            let to = dev[rng.random_range(0..dev.len())];
            chain
                .transfer(
                    token,
                    Some(from),
                    to,
                    U256::from(rng.random_range(1..1_000u64)),
                )
                .await
                .expect("live transfer");
            sent += 1;
            tokio::time::sleep(Duration::from_millis(rng.random_range(10..40))).await;
        }
        sent
    })
}
