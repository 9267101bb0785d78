//! Which database the suite runs on. By default every test gets its own SQLite file; with
//! `AGENT_CONNECT_TEST_POSTGRES` set to a PostgreSQL URL (as `make test` does for its second
//! pass), every test gets its own schema there instead, so the same tests prove both backends.

use std::path::Path;

use sqlx::Connection;

/// The variable naming the PostgreSQL server to run on.
pub const POSTGRES_VAR: &str = "AGENT_CONNECT_TEST_POSTGRES";

/// The PostgreSQL URL the suite runs on, if it runs on PostgreSQL.
pub fn postgres() -> Option<String> {
    std::env::var(POSTGRES_VAR)
        .ok()
        .filter(|url| !url.is_empty())
}

/// Whether this run is on PostgreSQL.
pub fn on_postgres() -> bool {
    postgres().is_some()
}

/// A fresh, empty database for one test: a SQLite file named `name` in `dir`, or a new schema
/// on the PostgreSQL server, selected through the URL's `search_path`.
pub async fn fresh(dir: &Path, name: &str) -> String {
    match postgres() {
        None => format!("sqlite://{}?mode=rwc", dir.join(name).display()),
        Some(server) => {
            let schema = format!("t_{}", hex(rand::random::<u64>()));
            let mut admin = sqlx::PgConnection::connect(&server)
                .await
                .expect("connect to the test PostgreSQL server");
            sqlx::raw_sql(&format!("CREATE SCHEMA {schema}"))
                .execute(&mut admin)
                .await
                .expect("create schema");
            admin.close().await.ok();
            let sep = if server.contains('?') { '&' } else { '?' };
            format!("{server}{sep}options=-c%20search_path%3D{schema}")
        }
    }
}

fn hex(n: u64) -> String {
    format!("{n:016x}")
}
