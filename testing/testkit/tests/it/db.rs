//! Throw-away databases on both backends: usable, and gone after drop.

use sqlx::{Connection, PgConnection, Row, SqliteConnection};
use tributary_testkit::{Backend, TestDb, postgres_admin_url};

use crate::TestResult;

async fn roundtrip_sqlite(url: &str) -> TestResult {
    let mut conn = SqliteConnection::connect(url).await?;
    sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
        .execute(&mut conn)
        .await?;
    sqlx::query("INSERT INTO t (id, name) VALUES (1, 'one'), (2, 'two')")
        .execute(&mut conn)
        .await?;
    let row = sqlx::query("SELECT name FROM t WHERE id = 2")
        .fetch_one(&mut conn)
        .await?;
    assert_eq!(row.try_get::<String, _>("name")?, "two");
    conn.close().await?;
    Ok(())
}

async fn roundtrip_postgres(url: &str) -> TestResult {
    let mut conn = PgConnection::connect(url).await?;
    sqlx::query("CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT NOT NULL)")
        .execute(&mut conn)
        .await?;
    sqlx::query("INSERT INTO t (id, name) VALUES (1, 'one'), (2, 'two')")
        .execute(&mut conn)
        .await?;
    let row = sqlx::query("SELECT name FROM t WHERE id = 2")
        .fetch_one(&mut conn)
        .await?;
    assert_eq!(row.try_get::<String, _>("name")?, "two");
    // Left open on purpose: dropping the TestDb must end this session (WITH (FORCE)).
    std::mem::forget(conn);
    Ok(())
}

async fn postgres_database_exists(name: &str) -> Result<bool, sqlx::Error> {
    let mut admin = PgConnection::connect(&postgres_admin_url()).await?;
    let exists = sqlx::query_scalar::<_, bool>(
        "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)",
    )
    .bind(name)
    .fetch_one(&mut admin)
    .await?;
    admin.close().await?;
    Ok(exists)
}

#[tokio::test]
async fn test_db_works_on_both_backends_and_is_removed_on_drop() -> TestResult {
    for backend in Backend::ALL {
        let db = TestDb::new(backend).await?;
        assert_eq!(db.backend(), backend);
        match backend {
            Backend::Sqlite => {
                assert!(
                    db.url.starts_with("sqlite://") && db.url.ends_with("?mode=rwc"),
                    "{}",
                    db.url
                );
                roundtrip_sqlite(&db.url).await?;
                let path = db.sqlite_path().ok_or("no sqlite path")?.to_path_buf();
                assert!(path.is_file());
                let dir = path.parent().ok_or("no parent dir")?.to_path_buf();
                drop(db);
                assert!(!dir.exists(), "{} should be removed", dir.display());
            }
            Backend::Postgres => {
                let name = db.postgres_database().ok_or("no database name")?.to_owned();
                assert!(name.starts_with("tributary_test_"), "{name}");
                assert!(db.url.ends_with(&format!("/{name}")), "{}", db.url);
                roundtrip_postgres(&db.url).await?;
                assert!(postgres_database_exists(&name).await?);
                drop(db);
                assert!(
                    !postgres_database_exists(&name).await?,
                    "{name} should be dropped"
                );
            }
        }
    }
    Ok(())
}

#[tokio::test]
async fn two_postgres_databases_are_distinct() -> TestResult {
    let a = TestDb::postgres().await?;
    let b = TestDb::postgres().await?;
    assert_ne!(a.url, b.url);
    Ok(())
}

#[tokio::test]
async fn unreachable_postgres_is_a_loud_error() -> TestResult {
    let error = TestDb::postgres_on("postgres://postgres:secret@127.0.0.1:1/postgres")
        .await
        .err()
        .ok_or("connecting to port 1 should fail")?;
    let message = error.to_string();
    assert!(
        message.contains(
            "PostgreSQL is not reachable at postgres://postgres:***@127.0.0.1:1/postgres"
        ),
        "{message}"
    );
    assert!(!message.contains("secret"), "{message}");
    Ok(())
}
