//! Which database a URL names, opening it with its migrations, and what its errors mean.
//!
//! One binary serves both backends: `sqlite://PATH` opens (or creates) a file, `postgres://…`
//! a server. Each backend has its own migrations, numbered alike (`migrations/sqlite/`,
//! `migrations/postgres/`); every instance applies what is missing at start-up, PostgreSQL's
//! under sqlx's advisory lock so instances starting together apply each migration once.

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::migrate::{Migrate, Migrator};
use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{ConnectOptions, Connection, Executor};

use sqlx::AnyPool as Pool;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// Connections per instance. SQLite has one writer whatever the pool, so a few suffice;
/// PostgreSQL's default of 100 server connections leaves room for several instances at 16.
const SQLITE_CONNECTIONS: u32 = 8;
const POSTGRES_CONNECTIONS: u32 = 16;
/// Pages of write-ahead log past which a commit checkpoints it (SQLite's default is 1,000).
/// Small, steady checkpoints, about one every two or three batches of redemptions, give the
/// tighter tail. With 64 connections of redemptions on 2 cores, run alternately: a p99 of
/// 19.6 to 21.2 ms at 500 pages, against 24.9 to 26.4 ms at 1,000 pages with a checkpoint in
/// the background every 200 ms besides, at the same rate. Under a steady stream of commits a
/// background checkpoint never reaches the end of the log, so SQLite cannot start the log
/// over and the commits checkpoint all the same, only more at a time.
const AUTOCHECKPOINT_PAGES: u32 = 500;
/// How long a request waits for a free connection before it is answered 503.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// Seconds a client is told to wait (`Retry-After`) when the database is busy.
pub const BUSY_RETRY_AFTER: u64 = 1;

/// The database engines this build serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend `url` names, or one line saying why it cannot be opened. Only the scheme is
    /// quoted back: the rest of a URL may hold a password.
    pub fn of(url: &str) -> Result<Self, String> {
        const EXPECTED: &str = "use sqlite://PATH (for example sqlite://data/agent-connect.db?mode=rwc) \
             or postgres://USER:PASSWORD@HOST:PORT/DATABASE";
        let scheme = url.split_once(':').map(|(scheme, _)| scheme).filter(|s| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        });
        match scheme {
            Some("sqlite") => {
                let options = SqliteConnectOptions::from_str(url).map_err(|err| {
                    format!("DATABASE_URL is not a valid SQLite URL ({err}): {EXPECTED}")
                })?;
                if is_in_memory(&options) {
                    return Err(format!(
                        "DATABASE_URL names an in-memory SQLite database, which each connection would \
                         see empty and which is lost at exit: {EXPECTED}"
                    ));
                }
                Ok(Backend::Sqlite)
            }
            Some("postgres" | "postgresql") => {
                PgConnectOptions::from_str(url).map_err(|_| {
                    format!("DATABASE_URL is not a valid PostgreSQL URL: {EXPECTED}")
                })?;
                Ok(Backend::Postgres)
            }
            Some(scheme) => Err(format!(
                "unsupported DATABASE_URL scheme `{scheme}:`: {EXPECTED}"
            )),
            None => Err(format!("DATABASE_URL is not a database URL: {EXPECTED}")),
        }
    }

    /// The engine's name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }

    /// The name sqlx's `Any` driver gives a connection of this backend.
    pub(super) fn of_connection(conn: &sqlx::AnyConnection) -> Self {
        match conn.backend_name() {
            "PostgreSQL" => Backend::Postgres,
            _ => Backend::Sqlite,
        }
    }

    fn migrator(self) -> &'static Migrator {
        match self {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }
}

fn is_in_memory(options: &SqliteConnectOptions) -> bool {
    let name = options.get_filename().to_string_lossy();
    name == ":memory:" || name.starts_with("file:sqlx-in-memory-")
}

/// Opens the database named by `url` and applies its missing migrations. A SQLite file (and
/// its folder) is created if missing, in WAL mode; every SQLite connection runs with foreign
/// keys on, `synchronous = NORMAL` (durable at each commit under WAL) and a 5 s busy timeout.
///
/// SQLite's write-ahead log is copied back into the database file (checkpointed) by the
/// commit that takes it past [`AUTOCHECKPOINT_PAGES`], and then starts over.
pub async fn connect(url: &str) -> Result<Pool, sqlx::Error> {
    sqlx::any::install_default_drivers();
    let backend = Backend::of(url).map_err(|err| sqlx::Error::Configuration(err.into()))?;
    let options = match backend {
        Backend::Sqlite => {
            create_sqlite_file(url).await?;
            AnyPoolOptions::new()
                .max_connections(SQLITE_CONNECTIONS)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        let pragmas = format!(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; \
                             PRAGMA wal_autocheckpoint = {AUTOCHECKPOINT_PAGES};"
                        );
                        conn.execute(pragmas.as_str()).await?;
                        Ok(())
                    })
                })
        }
        Backend::Postgres => AnyPoolOptions::new().max_connections(POSTGRES_CONNECTIONS),
    };
    let pool = options
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect(url)
        .await?;
    backend.migrator().run(&pool).await?;
    Ok(pool)
}

/// Creates the SQLite file and its folder if missing, and switches it to WAL (which the file
/// remembers). Later connections go through the `Any` driver, which cannot create files.
async fn create_sqlite_file(url: &str) -> Result<(), sqlx::Error> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(Duration::from_secs(5));
    if let Some(dir) = options.get_filename().parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(sqlx::Error::Io)?;
    }
    options.connect().await?.close().await
}

/// Whether every migration this build knows has been applied: readiness, as `/healthz` reports
/// it. An instance older than the database (it lacks a migration the database has) is ready
/// as long as its own are there.
pub async fn migrations_applied(pool: &Pool) -> Result<bool, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let backend = Backend::of_connection(&conn);
    let applied = conn
        .list_applied_migrations()
        .await
        .map_err(|err| sqlx::Error::Migrate(Box::new(err)))?;
    Ok(backend
        .migrator()
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .all(|m| applied.iter().any(|a| a.version == m.version)))
}

/// Whether an error is the database being momentarily unavailable: SQLite busy or locked,
/// a PostgreSQL serialization failure, deadlock, lock timeout, connection limit or restart,
/// no connection free in time, the connection lost, or the pool closed as the server shuts
/// down. Callers answer it with a retry or a 503, never with success.
pub fn is_busy(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            matches!(
                code.as_ref(),
                // SQLite: SQLITE_BUSY, SQLITE_LOCKED, SQLITE_BUSY_SNAPSHOT.
                "5" | "6" | "517"
                // PostgreSQL: serialization_failure, deadlock_detected, lock_not_available,
                // too_many_connections, admin_shutdown, crash_shutdown, cannot_connect_now.
                | "40001" | "40P01" | "55P03" | "53300" | "57P01" | "57P02" | "57P03"
            ) || code.starts_with("08")
        }),
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_and_postgres_urls_are_accepted_and_errors_never_echo_credentials() {
        assert_eq!(
            Backend::of("sqlite://data/agent-connect.db?mode=rwc"),
            Ok(Backend::Sqlite)
        );
        assert_eq!(Backend::of("sqlite:relative.db"), Ok(Backend::Sqlite));
        for url in [
            "postgres://admin:hunter2@127.0.0.1:55432/agent_connect",
            "postgresql://localhost/agent_connect",
        ] {
            assert_eq!(Backend::of(url), Ok(Backend::Postgres), "{url}");
        }
        let err = Backend::of("mysql://admin:hunter2@127.0.0.1/db").unwrap_err();
        assert!(
            err.starts_with("unsupported DATABASE_URL scheme `mysql:`"),
            "{err}"
        );
        assert!(
            err.contains("sqlite://") && err.contains("postgres://"),
            "{err}"
        );
        assert!(!err.contains("hunter2"));
        for url in ["data/agent-connect.db", "", "SQLITE ://x"] {
            assert!(Backend::of(url).is_err(), "{url}");
        }
        assert!(
            !Backend::of("sec:ret@host")
                .unwrap_err()
                .contains("ret@host")
        );
        let err = Backend::of("postgres://admin:hunter2@[::1").unwrap_err();
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn an_in_memory_sqlite_database_is_refused() {
        for url in ["sqlite::memory:", "sqlite://:memory:"] {
            let err = Backend::of(url).unwrap_err();
            assert!(err.contains("in-memory"), "{url}: {err}");
        }
    }
}
