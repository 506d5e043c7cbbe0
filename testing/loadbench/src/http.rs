//! The read benchmark: seed a store, serve it in this process on a random
//! port with the cache on and off, and load each endpoint.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::SeedableRng;
use rand::seq::IndexedRandom;
use tributary_api::{ApiChain, ApiConfig, AppState, CacheSettings, NoticeSource};
use tributary_store::Store;
use tributary_testkit::{Backend, TestDb};

use crate::load::{self, Outcome};
use crate::positions::Positions;
use crate::seed::{self, Balances, CHAIN, CHAIN_ID, CONTRACT, Seeder};
use crate::wrk;

/// What to measure.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Engines to seed.
    pub backends: Vec<Backend>,
    /// Store sizes (accounts).
    pub sizes: Vec<u64>,
    /// Concurrent connections.
    pub connections: usize,
    /// Length of each measurement.
    pub duration: Duration,
    /// Distinct accounts requested (the hot set).
    pub hot: usize,
    /// Use wrk instead of the built-in generator.
    pub wrk: bool,
    /// Also measure at this fixed total rate (open loop), per endpoint.
    pub rate: Option<u32>,
    /// Endpoints to load (`balances`, `holders`, `portfolio`).
    pub endpoints: Vec<String>,
    /// Seed DeFi positions too ([`Positions`]), not balances only.
    pub positions: bool,
}

/// One printed row.
struct Row<'a> {
    backend: Backend,
    accounts: u64,
    cache: bool,
    endpoint: &'a str,
    /// `max` (closed loop) or the fixed rate.
    load: String,
    outcome: Outcome,
}

/// Runs the whole plan, printing a table row per measurement.
pub async fn run(plan: &Plan) -> anyhow::Result<()> {
    println!(
        "{:<9} {:>9} {:<5} {:<10} {:>7} {:>10} {:>9} {:>9} {:>9} {:>7} {:>9}",
        "backend",
        "accounts",
        "cache",
        "endpoint",
        "load",
        "requests",
        "req/s",
        "p50 ms",
        "p99 ms",
        "errors",
        "cpu µs/req"
    );
    for &backend in &plan.backends {
        for &accounts in &plan.sizes {
            let db = TestDb::new(backend).await?;
            let store = Store::connect(&db.url).await?;
            let t = Instant::now();
            let seeder: &dyn Seeder = if plan.positions {
                &Positions { accounts }
            } else {
                &Balances { accounts }
            };
            seed::seed(&store, accounts, seeder).await?;
            // As the indexer does after a backfill.
            store.analyze().await?;
            eprintln!(
                "seeded {accounts} accounts{} on {backend:?} in {:.1} s",
                if plan.positions {
                    " with positions"
                } else {
                    ""
                },
                t.elapsed().as_secs_f64()
            );
            let endpoints = endpoints(accounts, plan.hot);
            for cache in [true, false] {
                let (addr, state, server) = serve(&store, cache, plan.positions).await?;
                for (endpoint, paths) in &endpoints {
                    if !plan.endpoints.iter().any(|e| e == endpoint) {
                        continue;
                    }
                    if !routed(addr, &paths[0]).await? {
                        eprintln!("skipping {endpoint}: the route does not exist yet");
                        continue;
                    }
                    if cache {
                        load::warm(addr, Arc::clone(paths), 8).await?;
                    }
                    let outcome = if plan.wrk {
                        wrk::run(addr, paths, plan.connections, plan.duration).await?
                    } else {
                        load::run(
                            addr,
                            Arc::clone(paths),
                            plan.connections,
                            plan.duration,
                            None,
                        )
                        .await?
                    };
                    let row = |load: String, outcome| Row {
                        backend,
                        accounts,
                        cache,
                        endpoint,
                        load,
                        outcome,
                    };
                    print(&row("max".into(), outcome));
                    // The rate is the cache's target; uncached reads are
                    // measured at saturation only.
                    if let Some(rate) = plan.rate.filter(|_| cache) {
                        let outcome = load::run(
                            addr,
                            Arc::clone(paths),
                            plan.connections,
                            plan.duration,
                            Some(rate),
                        )
                        .await?;
                        print(&row(rate.to_string(), outcome));
                    }
                }
                state.close();
                server.abort();
            }
            store.close().await;
            drop(db);
        }
    }
    Ok(())
}

fn print(r: &Row<'_>) {
    println!(
        "{:<9} {:>9} {:<5} {:<10} {:>7} {:>10} {:>9.0} {:>9.2} {:>9.2} {:>7} {:>9.0}",
        format!("{:?}", r.backend).to_lowercase(),
        r.accounts,
        if r.cache { "on" } else { "off" },
        r.endpoint,
        r.load,
        r.outcome.ok,
        r.outcome.rps,
        f64::from(r.outcome.p50_us) / 1000.0,
        f64::from(r.outcome.p99_us) / 1000.0,
        r.outcome.failed,
        r.outcome.cpu_us,
    );
}

/// Request paths per endpoint: `hot` random accounts, the token's first pages.
fn endpoints(accounts: u64, hot: usize) -> Vec<(&'static str, Arc<Vec<String>>)> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);
    let all: Vec<u64> = (0..accounts).collect();
    let chosen: Vec<u64> = all
        .choose_multiple(&mut rng, hot.min(accounts as usize))
        .copied()
        .collect();
    let per_account = |route: &str| -> Arc<Vec<String>> {
        Arc::new(
            chosen
                .iter()
                .map(|&i| format!("/v1/accounts/{}/{route}", seed::account(i)))
                .collect(),
        )
    };
    vec![
        ("balances", per_account("balances")),
        (
            "holders",
            Arc::new(vec![format!(
                "/v1/tokens/{}/holders?limit=100",
                seed::token()
            )]),
        ),
        ("portfolio", per_account("portfolio")),
    ]
}

/// Whether `path` is routed (a 404 `not_found` means the route is missing).
async fn routed(addr: SocketAddr, path: &str) -> anyhow::Result<bool> {
    let body = reqwest_like_get(addr, path).await?;
    Ok(!body.contains("\"not_found\""))
}

/// A plain GET returning the whole answer, head and body (probes and tests).
pub(crate) async fn reqwest_like_get(addr: SocketAddr, path: &str) -> anyhow::Result<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await?;
    s.write_all(format!("GET {path} HTTP/1.1\r\nhost: b\r\nconnection: close\r\n\r\n").as_bytes())
        .await?;
    let mut out = String::new();
    s.read_to_string(&mut out).await?;
    Ok(out)
}

/// The API over `store` on a random port; with `positions`, its catalog
/// lists the [`Positions`] contracts.
pub(crate) async fn serve(
    store: &Store,
    cache: bool,
    positions: bool,
) -> anyhow::Result<(
    SocketAddr,
    AppState,
    tokio::task::JoinHandle<std::io::Result<()>>,
)> {
    let config = ApiConfig {
        chains: vec![ApiChain {
            name: CHAIN.to_string(),
            chain_id: CHAIN_ID,
            confirmations: 0,
        }],
        contracts: if positions {
            Positions::contracts()
        } else {
            vec![CONTRACT.to_string()]
        },
        cache: CacheSettings {
            enabled: cache,
            ..CacheSettings::default()
        },
        rate_limit: None,
        positions: if positions {
            Positions::catalog()
        } else {
            tributary_api::positions::Catalog::default()
        },
        ..ApiConfig::default()
    };
    let state = AppState::new(store.clone(), config, None);
    state.start_live(NoticeSource::Poll);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(tributary_api::serve(
        listener,
        state.clone(),
        std::future::pending(),
    ));
    // The poller's first resync makes the cache live.
    tokio::time::sleep(Duration::from_millis(300)).await;
    Ok((addr, state, server))
}
