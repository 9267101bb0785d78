//! All SQL lives here, one module per table. Queries are written once with `$1..$n`
//! placeholders and run on the backend the build selects; functions take any executor, so the
//! caller decides what shares a transaction.

pub mod agent_codes;
pub mod authorization_codes;
pub mod clients;
pub mod device_codes;
pub mod events;
pub mod grants;
pub mod tokens;
pub mod users;

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

/// The database backend of this build.
pub type Db = sqlx::Sqlite;
/// A pool of connections to it.
pub type Pool = sqlx::Pool<Db>;
/// One connection, as a transaction derefs to.
pub type Conn = <Db as sqlx::Database>::Connection;

/// Opens the database named by `url`, creating the file if needed, and applies migrations.
pub async fn connect(url: &str) -> Result<Pool, sqlx::Error> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    if let Some(dir) = options.get_filename().parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(sqlx::Error::Io)?;
    }
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await?;
    sqlx::migrate!("migrations/sqlite").run(&pool).await?;
    Ok(pool)
}

/// Seconds a client is told to wait (`Retry-After`) when the database is busy.
pub const BUSY_RETRY_AFTER: u64 = 1;

/// Whether an error is the database being momentarily unavailable: busy or locked, no
/// connection free in time, or the pool closed as the server shuts down. Callers answer it
/// with a retry or a 503, never with success.
pub fn is_busy(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Database(db) => matches!(db.code().as_deref(), Some("5" | "6" | "517")),
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => true,
        _ => false,
    }
}
