//! `db::connect`: opens (or creates) the file, in WAL mode with foreign keys on, and applies
//! every migration once.

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

#[tokio::test]
async fn a_row_naming_a_missing_account_is_refused() {
    let db = TestDb::new().await;
    let grant = rows::grant_row("gr_1", "usr_nobody", NOW);
    assert!(db::grants::insert(&db.pool, &grant).await.is_err());
    assert_eq!(db.count("grants").await, 0);
}
