//! The portal's session store: tower-sessions' SQLite or PostgreSQL store, whichever backend
//! `DATABASE_URL` names, on a small pool of its own (the stores take the backend's native
//! pool, not the `Any` one). Both keep their rows in a `sessions` table that the migrations
//! create, so instances starting together never race to create it.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

use super::Backend;

/// The table both stores use.
const TABLE: &str = "sessions";
/// Connections of the store's own pool.
const CONNECTIONS: u32 = 4;

/// Portal sessions on the configured database.
#[derive(Clone, Debug)]
pub enum Sessions {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

/// A store setting refused by tower-sessions, as a configuration error.
fn named<T>(store: Result<T, String>) -> Result<T, sqlx::Error> {
    store.map_err(|err| sqlx::Error::Configuration(err.into()))
}

impl Sessions {
    /// Opens the store on the database `url` names, which [`super::connect`] has migrated.
    /// On PostgreSQL the table lives in the connection's current schema (`search_path`).
    pub async fn open(url: &str) -> Result<Self, sqlx::Error> {
        let backend = Backend::of(url).map_err(|err| sqlx::Error::Configuration(err.into()))?;
        Ok(match backend {
            Backend::Sqlite => {
                let options =
                    SqliteConnectOptions::from_str(url)?.busy_timeout(Duration::from_secs(5));
                let pool = SqlitePoolOptions::new()
                    .max_connections(CONNECTIONS)
                    .connect_with(options)
                    .await?;
                Sessions::Sqlite(named(SqliteStore::new(pool).with_table_name(TABLE))?)
            }
            Backend::Postgres => {
                let pool = PgPoolOptions::new()
                    .max_connections(CONNECTIONS)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(PgConnectOptions::from_str(url)?)
                    .await?;
                let schema: String = sqlx::query_scalar("SELECT current_schema()")
                    .fetch_one(&pool)
                    .await?;
                Sessions::Postgres(named(
                    PostgresStore::new(pool)
                        .with_schema_name(schema)
                        .and_then(|store| store.with_table_name(TABLE)),
                )?)
            }
        })
    }
}

#[async_trait]
impl SessionStore for Sessions {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(store) => store.create(record).await,
            Sessions::Postgres(store) => store.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(store) => store.save(record).await,
            Sessions::Postgres(store) => store.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            Sessions::Sqlite(store) => store.load(id).await,
            Sessions::Postgres(store) => store.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(store) => store.delete(id).await,
            Sessions::Postgres(store) => store.delete(id).await,
        }
    }
}

#[async_trait]
impl ExpiredDeletion for Sessions {
    async fn delete_expired(&self) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(store) => store.delete_expired().await,
            Sessions::Postgres(store) => store.delete_expired().await,
        }
    }
}
