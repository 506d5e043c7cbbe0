//! Throw-away databases: a SQLite file in a temporary directory, or a fresh PostgreSQL
//! database on a local server. Both are removed when the [`TestDb`] is dropped.

use std::{
    fmt,
    path::{Path, PathBuf},
    time::Duration,
};

use rand::Rng;
use sqlx::{AssertSqlSafe, Connection, PgConnection};
use tempfile::TempDir;
use url::Url;

use crate::TestkitError;

/// Environment variable naming the PostgreSQL server (admin URL) test databases are created on.
pub const PG_ENV: &str = "TRIBUTARY_TEST_PG";

/// The server used when [`PG_ENV`] is not set.
pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// How long to wait for PostgreSQL to accept a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The admin URL test databases are created from: `TRIBUTARY_TEST_PG`, or [`DEFAULT_PG_URL`].
pub fn postgres_admin_url() -> String {
    std::env::var(PG_ENV)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| DEFAULT_PG_URL.into())
}

/// A storage backend tests can run against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// SQLite, in a file.
    Sqlite,
    /// PostgreSQL, on the server [`postgres_admin_url`] names.
    Postgres,
}

impl Backend {
    /// Both backends, for tests that loop over them.
    pub const ALL: [Backend; 2] = [Backend::Sqlite, Backend::Postgres];
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        })
    }
}

/// A database that exists only for one test: created empty, removed on drop.
#[derive(Debug)]
pub struct TestDb {
    /// The URL to connect to, e.g. `sqlite:///tmp/.tmpAbC/test.db?mode=rwc` or
    /// `postgres://postgres@127.0.0.1:5432/tributary_test_3f9a…`.
    pub url: String,
    owned: Owned,
}

/// What has to be cleaned up.
#[derive(Debug)]
enum Owned {
    /// The directory holding the SQLite file; deleted when dropped.
    Sqlite { _dir: TempDir, path: PathBuf },
    /// A database on a PostgreSQL server, dropped in [`TestDb`]'s `Drop`.
    Postgres { admin_url: String, database: String },
}

impl TestDb {
    /// Creates an empty database on `backend`.
    pub async fn new(backend: Backend) -> Result<Self, TestkitError> {
        match backend {
            Backend::Sqlite => Self::sqlite(),
            Backend::Postgres => Self::postgres().await,
        }
    }

    /// A SQLite database file in a new temporary directory (created on first connect thanks
    /// to `mode=rwc`).
    pub fn sqlite() -> Result<Self, TestkitError> {
        let dir = tempfile::Builder::new()
            .prefix("tributary-test-")
            .tempdir()
            .map_err(|source| TestkitError::TempDir { source })?;
        let path = dir.path().join("test.db");
        let url = format!("sqlite://{}?mode=rwc", path.display());
        Ok(Self {
            url,
            owned: Owned::Sqlite { _dir: dir, path },
        })
    }

    /// A fresh database `tributary_test_<random>` on the server named by `TRIBUTARY_TEST_PG`
    /// (default [`DEFAULT_PG_URL`]). Fails with [`TestkitError::PostgresUnreachable`] when the
    /// server cannot be reached: tests must not silently skip PostgreSQL.
    pub async fn postgres() -> Result<Self, TestkitError> {
        Self::postgres_on(&postgres_admin_url()).await
    }

    /// Like [`postgres`](Self::postgres), on the server `admin_url` names (any database on it
    /// that the user may connect to; the new database is created beside it).
    pub async fn postgres_on(admin_url: &str) -> Result<Self, TestkitError> {
        let admin_url = admin_url.to_owned();
        let database = format!("tributary_test_{:016x}", rand::rng().random::<u64>());
        let url = database_url(&admin_url, &database)?;
        let mut conn = connect_admin(&admin_url).await?;
        // The name is ours (hex digits only), so formatting it into the statement is safe.
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE \"{database}\"")))
            .execute(&mut conn)
            .await
            .map_err(|source| TestkitError::Database {
                action: format!("CREATE DATABASE {database}"),
                url: redact(&admin_url),
                source,
            })?;
        // Closing is best effort: the database exists either way.
        let _ = conn.close().await;
        Ok(Self {
            url,
            owned: Owned::Postgres {
                admin_url,
                database,
            },
        })
    }

    /// Which backend this database is on.
    pub fn backend(&self) -> Backend {
        match self.owned {
            Owned::Sqlite { .. } => Backend::Sqlite,
            Owned::Postgres { .. } => Backend::Postgres,
        }
    }

    /// The PostgreSQL database name, or `None` for SQLite.
    pub fn postgres_database(&self) -> Option<&str> {
        match &self.owned {
            Owned::Postgres { database, .. } => Some(database),
            Owned::Sqlite { .. } => None,
        }
    }

    /// The SQLite file path, or `None` for PostgreSQL.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match &self.owned {
            Owned::Sqlite { path, .. } => Some(path),
            Owned::Postgres { .. } => None,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Owned::Postgres {
            admin_url,
            database,
        } = &self.owned
        else {
            return; // the TempDir removes itself
        };
        let (admin_url, database) = (admin_url.clone(), database.clone());
        // Drop cannot await and may run inside a runtime, so use a thread with its own one.
        let outcome = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| format!("could not start a runtime: {e}"))?;
            runtime
                .block_on(drop_database(&admin_url, &database))
                .map_err(|e| e.to_string())
        })
        .join();
        let problem = match outcome {
            Ok(Ok(())) => return,
            Ok(Err(message)) => message,
            Err(_) => "the cleanup thread panicked".to_owned(),
        };
        // Nothing can be returned from Drop; leave a trace for whoever finds the leftover.
        eprintln!(
            "tributary-testkit: could not drop test database {}: {problem}",
            self.url
        );
    }
}

/// `DROP DATABASE … WITH (FORCE)`, which also ends any connections still open to it.
async fn drop_database(admin_url: &str, database: &str) -> Result<(), TestkitError> {
    let mut conn = connect_admin(admin_url).await?;
    sqlx::query(AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)"
    )))
    .execute(&mut conn)
    .await
    .map_err(|source| TestkitError::Database {
        action: format!("DROP DATABASE {database}"),
        url: redact(admin_url),
        source,
    })?;
    let _ = conn.close().await;
    Ok(())
}

/// Connects to the admin database, failing with a clear message when the server is down.
async fn connect_admin(admin_url: &str) -> Result<PgConnection, TestkitError> {
    let unreachable = |source| TestkitError::PostgresUnreachable {
        url: redact(admin_url),
        source,
    };
    match tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect(admin_url)).await {
        Ok(result) => result.map_err(unreachable),
        Err(_) => Err(unreachable(sqlx::Error::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!("no connection within {CONNECT_TIMEOUT:?}"),
        )))),
    }
}

/// The admin URL with its database replaced by `database`.
fn database_url(admin_url: &str, database: &str) -> Result<String, TestkitError> {
    let mut url = Url::parse(admin_url).map_err(|e| TestkitError::InvalidDatabaseUrl {
        url: redact(admin_url),
        reason: e.to_string(),
    })?;
    url.set_path(&format!("/{database}"));
    Ok(url.into())
}

/// The URL without its password, for error messages.
fn redact(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            // Cannot fail: a URL with a password has a host.
            let _ = parsed.set_password(Some("***"));
            parsed.into()
        }
        Ok(parsed) => parsed.into(),
        Err(_) => "<unparsable URL>".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_url_replaces_only_the_path() {
        let url = database_url("postgres://u:pw@db:5433/postgres?sslmode=disable", "t1");
        assert_eq!(
            url.ok().as_deref(),
            Some("postgres://u:pw@db:5433/t1?sslmode=disable")
        );
    }

    #[test]
    fn redact_hides_the_password() {
        assert_eq!(redact("postgres://u:secret@db/x"), "postgres://u:***@db/x");
        assert_eq!(redact("postgres://u@db/x"), "postgres://u@db/x");
    }
}
