//! `authorization_codes`: codes of the authorization code grant, stored by hash and consumed by
//! one conditional UPDATE.

use sqlx::{Executor, FromRow};

use super::Db;
use crate::scopes::Scopes;

#[derive(Debug, Clone, FromRow)]
pub struct AuthorizationCode {
    pub code_hash: String,
    pub client_id: String,
    pub user_id: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub scopes: Scopes,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub grant_id: Option<String>,
    pub resource: Option<String>,
}

const COLUMNS: &str = "code_hash, client_id, user_id, redirect_uri, code_challenge, scopes, created_at, expires_at, used_at, grant_id, resource";

pub async fn insert<'e>(
    db: impl Executor<'e, Database = Db>,
    code: &AuthorizationCode,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO authorization_codes (code_hash, client_id, user_id, redirect_uri, code_challenge, scopes, created_at, expires_at, resource) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&code.code_hash)
    .bind(&code.client_id)
    .bind(&code.user_id)
    .bind(&code.redirect_uri)
    .bind(&code.code_challenge)
    .bind(&code.scopes)
    .bind(code.created_at)
    .bind(code.expires_at)
    .bind(&code.resource)
    .execute(db)
    .await?;
    Ok(())
}

/// The code with this hash, in whatever state.
pub async fn find<'e>(
    db: impl Executor<'e, Database = Db>,
    code_hash: &str,
) -> Result<Option<AuthorizationCode>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM authorization_codes WHERE code_hash = $1"
    ))
    .bind(code_hash)
    .fetch_optional(db)
    .await
}

/// Marks the code used if, and only if, it is unused and `now < expires_at`.
pub async fn consume<'e>(
    db: impl Executor<'e, Database = Db>,
    code_hash: &str,
    grant_id: &str,
    now: i64,
) -> Result<Option<AuthorizationCode>, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE authorization_codes SET used_at = $1, grant_id = $2 \
         WHERE code_hash = $3 AND used_at IS NULL AND expires_at > $1 RETURNING {COLUMNS}"
    ))
    .bind(now)
    .bind(grant_id)
    .bind(code_hash)
    .fetch_optional(db)
    .await
}

/// Deletes codes that expired more than a day ago.
pub async fn delete_expired<'e>(
    db: impl Executor<'e, Database = Db>,
    now: i64,
) -> Result<u64, sqlx::Error> {
    super::delete_before(
        db,
        "DELETE FROM authorization_codes WHERE expires_at < $1",
        now - super::EXPIRED_KEPT_FOR,
    )
    .await
}
