//! Each table module of `src/server/db` against a real database (SQLite, or PostgreSQL) with every migration
//! applied: every verb, the edges of each condition, and the single-use verbs raced by many
//! tasks on one pool.

mod agent_codes;
mod authorization_codes;
mod clients;
mod connect;
mod device_codes;
mod events;
mod grants;
mod rate_limits;
mod tokens;
mod users;

use std::future::Future;
use std::sync::Arc;

use agent_connect::server::db::{self, Pool};

/// The time every test starts at.
pub const NOW: i64 = crate::support::START;
/// How many tasks race for one single-use row.
pub const RACERS: usize = 24;

/// A migrated database in a temporary directory, deleted when dropped.
pub struct TestDb {
    pub pool: Pool,
    _dir: tempfile::TempDir,
}

impl TestDb {
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = crate::support::database::fresh(dir.path(), "test.db").await;
        let pool = db::connect(&url).await.expect("connect");
        Self { pool, _dir: dir }
    }

    /// How many rows `table` holds.
    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&self.pool)
            .await
            .expect("count")
    }
}

/// Starts `RACERS` tasks that each make `attempt` on the same pool at the same moment;
/// returns how many succeeded. A database error fails the test: losing is `Ok(None)`.
pub async fn race<F, Fut, T>(pool: &Pool, attempt: F) -> usize
where
    F: Fn(Pool, usize) -> Fut,
    Fut: Future<Output = Result<Option<T>, sqlx::Error>> + Send + 'static,
    T: Send + 'static,
{
    let start = Arc::new(tokio::sync::Barrier::new(RACERS));
    let tasks: Vec<_> = (0..RACERS)
        .map(|i| {
            let start = start.clone();
            let attempt = attempt(pool.clone(), i);
            tokio::spawn(async move {
                start.wait().await;
                attempt.await
            })
        })
        .collect();
    let mut wins = 0;
    for task in tasks {
        if task.await.expect("task").expect("database error").is_some() {
            wins += 1;
        }
    }
    wins
}
