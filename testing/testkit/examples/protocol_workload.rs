//! Deploys the demo protocol on a fresh anvil, runs the seeded workload and prints what it did.
//!
//! `cargo run -p tributary-testkit --example protocol_workload -- [users] [steps] [seed]`

use std::time::Instant;

use tributary_testkit::{Protocol, ProtocolWorkload, TestChain};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let users: usize = args.next().as_deref().unwrap_or("200").parse()?;
    let steps: usize = args.next().as_deref().unwrap_or("10").parse()?;
    let seed: u64 = args.next().as_deref().unwrap_or("1").parse()?;

    let chain = TestChain::spawn().await?;
    let started = Instant::now();
    let protocol = Protocol::deploy(&chain).await?;
    let deployed = started.elapsed();
    let run = protocol
        .run_workload(&chain, ProtocolWorkload { seed, users, steps })
        .await?;
    println!(
        "deploy {deployed:.1?}; workload: {} users, {} transactions ({} reverted, {} turns \
         skipped), blocks {}..={}, {} users under HF 1.2, {:.1?}",
        run.users.len(),
        run.transactions,
        run.reverted.len(),
        run.skipped,
        run.first_block,
        run.last_block,
        run.at_risk.len(),
        run.elapsed,
    );
    Ok(())
}
