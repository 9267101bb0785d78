//! `db::connect`: opens (or creates) a SQLite file, in WAL mode with foreign keys on, or a
//! PostgreSQL database, and applies every migration once.

use agent_connect::server::db;

use super::{NOW, TestDb};
use crate::support::rows;

#[tokio::test]
async fn connecting_creates_the_file_and_its_folder_and_migrates_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("nested/folder/agent-connect.db");
    let url = format!("sqlite://{}?mode=rwc", file.display());

    let pool = db::connect(&url).await.expect("first start");
    assert!(file.exists());
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' \
         AND name NOT LIKE 'sqlite%' ORDER BY name",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for table in [
        "agent_codes",
        "authorization_codes",
        "clients",
        "device_codes",
        "grants",
        "security_events",
        "tokens",
        "users",
    ] {
        assert!(tables.iter().any(|t| t == table), "{table} in {tables:?}");
    }
    let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(journal, "wal");
    let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(foreign_keys, 1);
    let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;

    let again = db::connect(&url).await.expect("second start");
    let applied_again: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(&again)
        .await
        .unwrap();
    assert_eq!(applied_again, applied);
}

/// On PostgreSQL (the suite's second pass): the same tables, every migration applied once,
/// and readiness reported. Instances starting together apply each migration once.
#[tokio::test]
async fn postgres_gets_every_table_and_migration_once_even_from_racing_instances() {
    if !crate::support::database::on_postgres() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let url = crate::support::database::fresh(dir.path(), "unused").await;
    let starts: Vec<_> = (0..4)
        .map(|_| {
            tokio::spawn({
                let url = url.clone();
                async move { db::connect(&url).await }
            })
        })
        .collect();
    let mut pools = Vec::new();
    for start in starts {
        pools.push(start.await.unwrap().expect("every instance starts"));
    }
    let pool = &pools[0];
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = current_schema() ORDER BY table_name",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for table in [
        "agent_codes",
        "authorization_codes",
        "clients",
        "device_codes",
        "grants",
        "security_events",
        "sessions",
        "tokens",
        "users",
    ] {
        assert!(tables.iter().any(|t| t == table), "{table} in {tables:?}");
    }
    let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(pool)
        .await
        .unwrap();
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres"))
        .unwrap()
        .count();
    assert_eq!(applied as usize, files);
    assert!(db::migrations_applied(pool).await.unwrap());
}

#[tokio::test]
async fn readiness_needs_every_migration() {
    let db = TestDb::new().await;
    assert!(db::migrations_applied(&db.pool).await.unwrap());
    sqlx::query(
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    assert!(!db::migrations_applied(&db.pool).await.unwrap());
}

/// Readiness over HTTP: 503 naming the missing migrations while liveness stays 200.
#[tokio::test]
async fn an_instance_missing_a_migration_is_live_but_not_ready() {
    let server = crate::support::TestServer::start().await;
    sqlx::query(
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)",
    )
    .execute(&server.state.db)
    .await
    .unwrap();
    let res = server
        .http
        .get(server.url("/healthz/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503);
    assert!(res.headers().contains_key("retry-after"));
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["checks"]["migrations"], "missing");
    let live = server
        .http
        .get(server.url("/healthz/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), 200);
}

#[tokio::test]
async fn a_row_naming_a_missing_account_is_refused() {
    let db = TestDb::new().await;
    let grant = rows::grant_row("gr_1", "usr_nobody", NOW);
    assert!(db::grants::insert(&db.pool, &grant).await.is_err());
    assert_eq!(db.count("grants").await, 0);
}
