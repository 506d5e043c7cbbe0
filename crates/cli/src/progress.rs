//! Backfill progress: a bar per chain on a terminal, log lines otherwise.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use tokio::sync::watch;
use tributary_engine::Progress;

/// Shows progress until shutdown.
pub async fn display(chains: Vec<watch::Receiver<Progress>>, mut shutdown: watch::Receiver<bool>) {
    if chains.is_empty() {
        return;
    }
    let tty = std::io::stderr().is_terminal();
    let multi = MultiProgress::new();
    let style = ProgressStyle::with_template(
        "{prefix:>10} [{bar:40}] {pos}/{len} blocks  {msg}  ETA {eta}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    let bars: Vec<ProgressBar> = chains
        .iter()
        .map(|rx| {
            let bar = multi.add(ProgressBar::new(0));
            bar.set_style(style.clone());
            bar.set_prefix(rx.borrow().chain.clone());
            if !tty {
                bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
            }
            bar
        })
        .collect();
    let started = Instant::now();
    let mut last_log = Instant::now();
    let mut last_events: Vec<u64> = vec![0; chains.len()];
    let mut last_at = Instant::now();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            _ = shutdown.changed() => break,
        }
        let dt = last_at.elapsed().as_secs_f64().max(1e-3);
        last_at = Instant::now();
        let log_now = !tty && last_log.elapsed() >= Duration::from_secs(5);
        for (i, rx) in chains.iter().enumerate() {
            let p = rx.borrow().clone();
            let indexed = p.indexed.unwrap_or(p.start_block.saturating_sub(1));
            let rate = (p.events - last_events[i]) as f64 / dt;
            last_events[i] = p.events;
            let total = p.head.saturating_sub(p.start_block) + 1;
            let done = indexed.saturating_sub(p.start_block) + u64::from(p.indexed.is_some());
            bars[i].set_length(total);
            bars[i].set_position(done.min(total));
            bars[i].set_message(format!("{} events  {:.0} ev/s", p.events, rate));
            if log_now {
                tracing::info!(chain = %p.chain, indexed, head = p.head, lag = p.head.saturating_sub(indexed), events = p.events, events_per_sec = rate as u64, backfilling = p.backfilling, uptime_s = started.elapsed().as_secs(), "progress");
            }
        }
        if log_now {
            last_log = Instant::now();
        }
    }
    for b in bars {
        b.finish_and_clear();
    }
}
