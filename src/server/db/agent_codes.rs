//! `agent_codes`: one-time agent auth codes, stored by hash, consumed by one conditional UPDATE.

use sqlx::{Executor, FromRow};

use super::Db;
use crate::scopes::Scopes;

/// What a code was issued for.
#[derive(Debug, Clone, FromRow)]
pub struct AgentCodeRow {
    pub code_hash: String,
    pub user_id: String,
    pub scopes: Scopes,
    pub agent_name: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
}

/// Redemption state of a code, for the page that issued it.
#[derive(Debug, Clone, FromRow)]
pub struct Redemption {
    pub used_at: Option<i64>,
    pub agent_name: Option<String>,
}

pub async fn insert<'e>(
    db: impl Executor<'e, Database = Db>,
    code: &AgentCodeRow,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO agent_codes (code_hash, user_id, scopes, agent_name, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&code.code_hash)
    .bind(&code.user_id)
    .bind(&code.scopes)
    .bind(&code.agent_name)
    .bind(code.created_at)
    .bind(code.expires_at)
    .execute(db)
    .await?;
    Ok(())
}

/// Marks the code used if, and only if, it is unused and `now < expires_at`, in one statement.
/// `None` means the code is unknown, used or expired: the caller cannot tell which.
pub async fn consume<'e>(
    db: impl Executor<'e, Database = Db>,
    code_hash: &str,
    grant_id: &str,
    now: i64,
) -> Result<Option<AgentCodeRow>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE agent_codes SET used_at = $1, grant_id = $2 \
         WHERE code_hash = $3 AND used_at IS NULL AND expires_at > $1 \
         RETURNING code_hash, user_id, scopes, agent_name, created_at, expires_at",
    )
    .bind(now)
    .bind(grant_id)
    .bind(code_hash)
    .fetch_optional(db)
    .await
}

/// When a code of this user was used, and by which agent.
pub async fn find_redemption<'e>(
    db: impl Executor<'e, Database = Db>,
    code_hash: &str,
    user_id: &str,
) -> Result<Option<Redemption>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.used_at, g.agent_name FROM agent_codes c LEFT JOIN grants g ON g.id = c.grant_id \
         WHERE c.code_hash = $1 AND c.user_id = $2",
    )
    .bind(code_hash)
    .bind(user_id)
    .fetch_optional(db)
    .await
}

/// Deletes codes that expired more than a day ago.
pub async fn delete_expired<'e>(
    db: impl Executor<'e, Database = Db>,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM agent_codes WHERE expires_at < $1")
        .bind(now - 86_400)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}
