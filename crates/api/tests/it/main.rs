//! Integration tests of the HTTP API: a real store (SQLite and PostgreSQL)
//! filled through the write path, the router driven without a socket.

/// Runs `async fn $name(backend: Backend)` once per backend, as two tests.
macro_rules! both {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name(tributary_testkit::Backend::Sqlite).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name(tributary_testkit::Backend::Postgres).await
                }
            }
        )*
    };
}

mod balances;
mod cache;
mod errors;
mod events;
mod fixture;
mod holders;
mod holders_nft;
mod live;
mod ops;
mod portfolio_read;
mod server;
mod shared_cache;
mod status;
