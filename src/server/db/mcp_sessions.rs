//! `mcp_sessions`: the `/mcp/agent` sessions every instance can rebuild, and the grant each
//! authenticated session acts for.

use sqlx::{Executor, FromRow};

use super::Db;
use crate::lifetime::HighRiskLimits;
use crate::scopes::Scopes;

/// What an authenticated session may do, from its grant, while the grant lives.
#[derive(Debug, Clone, FromRow)]
pub struct SessionGrant {
    pub grant_id: String,
    pub user_id: String,
    pub email: String,
    pub client_id: String,
    pub agent_name: String,
    pub scopes: Scopes,
    pub expires_at: i64,
    pub resource: Option<String>,
    /// Set while the person has paused the grant.
    pub paused_at: Option<i64>,
    /// Until when the grant's high-risk scopes are active; `None`: as long as the grant.
    pub high_risk_until: Option<i64>,
    /// Until when they wait for the person's approval.
    pub pending_until: Option<i64>,
    /// The network the grant may be used from without being paused; `None`: any.
    pub home_network: Option<String>,
}

impl SessionGrant {
    pub fn high_risk_limits(&self) -> HighRiskLimits {
        HighRiskLimits {
            pending_until: self.pending_until,
            high_risk_until: self.high_risk_until,
        }
    }
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
    id: &str,
    initialize_params: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO mcp_sessions (id, initialize_params, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (id) DO UPDATE SET initialize_params = excluded.initialize_params",
    )
    .bind(id)
    .bind(initialize_params)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// The session's `initialize` parameters, if it is known.
pub async fn find_params<'e>(
    db: impl Executor<'e, Database = Db>,
    id: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT initialize_params FROM mcp_sessions WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Binds the session to `grant_id`, storing it first if no row was saved for it.
pub async fn authorize<'e>(
    db: impl Executor<'e, Database = Db>,
    id: &str,
    initialize_params: &str,
    grant_id: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO mcp_sessions (id, initialize_params, grant_id, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (id) DO UPDATE SET grant_id = excluded.grant_id",
    )
    .bind(id)
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
    id: &str,
    now: i64,
) -> Result<SessionAuth, sqlx::Error> {
    #[derive(FromRow)]
    struct Row {
        bound: Option<String>,
        grant_id: Option<String>,
        user_id: Option<String>,
        email: Option<String>,
        client_id: Option<String>,
        agent_name: Option<String>,
        scopes: Option<Scopes>,
        expires_at: Option<i64>,
        resource: Option<String>,
        paused_at: Option<i64>,
        high_risk_until: Option<i64>,
        pending_until: Option<i64>,
        home_network: Option<String>,
    }
    let row: Option<Row> = sqlx::query_as(
        "SELECT s.grant_id AS bound, g.id AS grant_id, g.user_id, u.email, g.client_id, \
         g.agent_name, g.scopes, g.expires_at, g.resource, g.paused_at, g.high_risk_until, g.pending_until, g.home_network \
         FROM mcp_sessions s \
         LEFT JOIN grants g ON g.id = s.grant_id AND g.revoked_at IS NULL AND g.expires_at > $2 \
         LEFT JOIN users u ON u.id = g.user_id \
         WHERE s.id = $1",
    )
    .bind(id)
    .bind(now)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else {
        return Ok(SessionAuth::None);
    };
    Ok(match row {
        Row {
            grant_id: Some(grant_id),
            user_id: Some(user_id),
            email: Some(email),
            client_id: Some(client_id),
            agent_name: Some(agent_name),
            scopes: Some(scopes),
            expires_at: Some(expires_at),
            resource,
            paused_at,
            high_risk_until,
            pending_until,
            home_network,
            ..
        } => SessionAuth::Live(Box::new(SessionGrant {
            grant_id,
            user_id,
            email,
            client_id,
            agent_name,
            scopes,
            expires_at,
            resource,
            paused_at,
            high_risk_until,
            pending_until,
            home_network,
        })),
        Row { bound: Some(_), .. } => SessionAuth::Ended,
        Row { .. } => SessionAuth::None,
    })
}

/// Forgets a session (closed by its client, or idle before it authenticated).
pub async fn delete<'e>(db: impl Executor<'e, Database = Db>, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM mcp_sessions WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Forgets a session unless it has authenticated (on any instance).
pub async fn delete_unauthenticated<'e>(
    db: impl Executor<'e, Database = Db>,
    id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM mcp_sessions WHERE id = $1 AND grant_id IS NULL")
        .bind(id)
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
