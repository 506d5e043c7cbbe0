//! Generates a Transfer workload on a fresh anvil and prints how long it took.
//!
//! `cargo run -p tributary-testkit --example workload -- <events> [accounts] [seed] [noverify]`

use std::time::Instant;

use tributary_testkit::{TestChain, WorkloadSpec};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let events: u64 = args.next().as_deref().unwrap_or("100000").parse()?;
    let accounts: usize = args.next().as_deref().unwrap_or("10000").parse()?;
    let seed: u64 = args.next().as_deref().unwrap_or("1").parse()?;

    let chain = TestChain::spawn().await?;
    let token = chain.deploy_token("Load", "LD", 18).await?;
    let verify = args.next().as_deref() != Some("noverify");
    let spec = WorkloadSpec {
        verify,
        ..WorkloadSpec::new(events, accounts, seed)
    };
    let started = Instant::now();
    let summary = chain.transfer_workload(token, &spec).await?;
    println!(
        "{} Transfer events, {} transactions, blocks {}..={}, {} accounts: {:.1?} \
         (workload{}: {:.1?})",
        summary.events,
        summary.transactions,
        summary.first_block,
        summary.last_block,
        summary.accounts.len(),
        started.elapsed(),
        if verify { " and verification" } else { "" },
        summary.elapsed,
    );
    Ok(())
}
