//! `mcp_sessions`: the `/mcp/agent` sessions every instance can rebuild, and the grant each
//! authenticated session acts for.

use sha2::{Digest, Sha256};
use sqlx::{Executor, FromRow, Row};

use super::Db;
use super::grants::{GrantState, STATE_COLUMNS};

/// A session's key in the table: the SHA-256 (hex) of its `Mcp-Session-Id`. An authorized
/// session id is a bearer secret, so the table never holds one; a stolen copy of the table
/// opens no session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionKey(String);

impl SessionKey {
    pub fn of(session_id: &str) -> Self {
        Self(hex::encode(Sha256::digest(session_id.as_bytes())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The live grant an authenticated session acts for, with its person's email.
#[derive(Debug, Clone)]
pub struct SessionGrant {
    pub email: String,
    pub grant: GrantState,
}

/// Where a session stands.
#[derive(Debug, Clone)]
pub enum SessionAuth {
    /// It never authenticated (or is unknown).
    None,
    /// It acts for this live grant.
    Live(Box<SessionGrant>),
    /// Its grant was revoked or expired.
    Ended,
}

/// Stores a session's `initialize` parameters (JSON), keeping its grant if it has one.
pub async fn save<'e>(
    db: impl Executor<'e, Database = Db>,
    key: &SessionKey,
    initialize_params: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO mcp_sessions (id, initialize_params, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (id) DO UPDATE SET initialize_params = excluded.initialize_params",
    )
    .bind(key.as_str())
    .bind(initialize_params)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// The session's `initialize` parameters, if it is known.
pub async fn find_params<'e>(
    db: impl Executor<'e, Database = Db>,
    key: &SessionKey,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT initialize_params FROM mcp_sessions WHERE id = $1")
        .bind(key.as_str())
        .fetch_optional(db)
        .await
}

/// Binds the session to `grant_id`, storing it first if no row was saved for it.
pub async fn authorize<'e>(
    db: impl Executor<'e, Database = Db>,
    key: &SessionKey,
    initialize_params: &str,
    grant_id: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO mcp_sessions (id, initialize_params, grant_id, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (id) DO UPDATE SET grant_id = excluded.grant_id",
    )
    .bind(key.as_str())
    .bind(initialize_params)
    .bind(grant_id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// Where the session stands as of `now`, in one statement.
pub async fn auth<'e>(
    db: impl Executor<'e, Database = Db>,
    key: &SessionKey,
    now: i64,
) -> Result<SessionAuth, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT s.grant_id AS bound, u.email, {STATE_COLUMNS} \
         FROM mcp_sessions s \
         LEFT JOIN grants g ON g.id = s.grant_id AND g.revoked_at IS NULL AND g.expires_at > $2 \
         LEFT JOIN users u ON u.id = g.user_id \
         WHERE s.id = $1"
    ))
    .bind(key.as_str())
    .bind(now)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else {
        return Ok(SessionAuth::None);
    };
    let bound: Option<String> = row.try_get("bound")?;
    let live: Option<String> = row.try_get("grant_id")?;
    Ok(match (bound, live) {
        (_, Some(_)) => SessionAuth::Live(Box::new(SessionGrant {
            email: row.try_get("email")?,
            grant: GrantState::from_row(&row)?,
        })),
        (Some(_), None) => SessionAuth::Ended,
        (None, None) => SessionAuth::None,
    })
}

/// Forgets a session (closed by its client, or idle before it authenticated).
pub async fn delete<'e>(
    db: impl Executor<'e, Database = Db>,
    key: &SessionKey,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM mcp_sessions WHERE id = $1")
        .bind(key.as_str())
        .execute(db)
        .await?;
    Ok(())
}

/// Forgets a session unless it has authenticated (on any instance).
pub async fn delete_unauthenticated<'e>(
    db: impl Executor<'e, Database = Db>,
    key: &SessionKey,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM mcp_sessions WHERE id = $1 AND grant_id IS NULL")
        .bind(key.as_str())
        .execute(db)
        .await?;
    Ok(())
}

/// Deletes sessions that never authenticated and were made before `unauthenticated_before`,
/// and those whose grant was revoked or expired.
pub async fn delete_stale<'e>(
    db: impl Executor<'e, Database = Db>,
    unauthenticated_before: i64,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM mcp_sessions WHERE (grant_id IS NULL AND created_at < $1) \
         OR grant_id IN (SELECT id FROM grants WHERE revoked_at IS NOT NULL OR expires_at <= $2)",
    )
    .bind(unauthenticated_before)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}
