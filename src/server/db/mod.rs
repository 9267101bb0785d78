//! All SQL lives here, one module per table. Queries are written once with `$1..$n`
//! placeholders and run on the backend the build selects; functions take any executor, so the
//! caller decides what shares a transaction.

pub mod agent_codes;
pub mod authorization_codes;
pub mod clients;
pub mod columns;
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

/// Refuses a database URL this build cannot open, naming what it can. Only the scheme is
/// quoted back: the rest of a URL may hold a password.
pub fn check_url(url: &str) -> Result<(), String> {
    if url.starts_with("sqlite:") {
        return Ok(());
    }
    let scheme = url.split_once(':').map(|(scheme, _)| scheme).filter(|s| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    let what = match scheme {
        Some(scheme) => format!("unsupported DATABASE_URL scheme `{scheme}:`"),
        None => "DATABASE_URL is not a database URL".to_owned(),
    };
    Err(format!(
        "{what}: this build opens SQLite databases only, as sqlite://PATH (for example sqlite://data/agent-connect.db?mode=rwc)"
    ))
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sqlite_urls_are_accepted_and_errors_never_echo_credentials() {
        assert!(check_url("sqlite://data/agent-connect.db?mode=rwc").is_ok());
        assert!(check_url("sqlite::memory:").is_ok());
        let err = check_url("postgres://admin:hunter2@127.0.0.1:55432/postgres").unwrap_err();
        assert!(
            err.starts_with("unsupported DATABASE_URL scheme `postgres:`"),
            "{err}"
        );
        assert!(!err.contains("hunter2"));
        for url in ["data/agent-connect.db", "", "mysql://x", "SQLITE://x"] {
            assert!(check_url(url).is_err(), "{url}");
        }
        assert!(!check_url("sec:ret@host").unwrap_err().contains("ret@host"));
    }
}
