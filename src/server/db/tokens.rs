//! `tokens`: access and refresh tokens of a grant, by hash. A token is live while it, and its
//! grant, are unrevoked and unexpired; a refresh token also only until it is rotated.

use sqlx::{Executor, FromRow};

use super::columns::text_enum;
use super::grants::{GrantState, STATE_COLUMNS};
use super::ids::{ClientId, GrantId, UserId};
use super::{Conn, Db, ManyRows, pad};

text_enum! {
    /// What a token is for; stored as `access` or `refresh`.
    pub enum TokenKind {
        Access = "access",
        Refresh = "refresh",
    }
}

/// A live token with the state of its grant.
#[derive(Debug, Clone, FromRow)]
pub struct ActiveToken {
    pub kind: TokenKind,
    pub created_at: i64,
    /// When the token itself expires.
    #[sqlx(rename = "token_expires_at")]
    pub expires_at: i64,
    /// The email of the grant's person.
    pub email: String,
    #[sqlx(flatten)]
    pub grant: GrantState,
}

/// Any token row, live or not, with its grant's state.
#[derive(Debug, Clone, FromRow)]
pub struct TokenRecord {
    pub kind: TokenKind,
    pub grant_id: GrantId,
    pub client_id: ClientId,
    pub user_id: UserId,
    pub used_at: Option<i64>,
}

pub async fn insert<'e>(
    db: impl Executor<'e, Database = Db>,
    token_hash: &str,
    grant_id: &str,
    kind: TokenKind,
    now: i64,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO tokens (token_hash, grant_id, kind, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash)
    .bind(grant_id)
    .bind(kind)
    .bind(now)
    .bind(expires_at)
    .execute(db)
    .await?;
    Ok(())
}

/// A token row to insert.
#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    pub token_hash: String,
    pub grant_id: &'a str,
    pub kind: TokenKind,
    pub created_at: i64,
    pub expires_at: i64,
}

/// Inserts the tokens, many to a statement.
pub async fn insert_many(conn: &mut Conn, tokens: &[NewToken<'_>]) -> Result<(), sqlx::Error> {
    static SQL: ManyRows = ManyRows::new(|p, rows| {
        format!(
            "INSERT INTO tokens (token_hash, grant_id, kind, created_at, expires_at) {}",
            p.values(rows, 5)
        )
    });
    for chunk in SQL.chunks(conn, tokens.len()) {
        let mut query = sqlx::query(&chunk.sql);
        for token in &tokens[chunk.rows] {
            query = query
                .bind(&token.token_hash)
                .bind(token.grant_id)
                .bind(token.kind)
                .bind(token.created_at)
                .bind(token.expires_at);
        }
        pad(query, chunk.padding * 5).execute(&mut *conn).await?;
    }
    Ok(())
}

/// The live token with this hash, if any; a paused grant's tokens are live but say so.
pub async fn find_active<'e>(
    db: impl Executor<'e, Database = Db>,
    token_hash: &str,
    now: i64,
) -> Result<Option<ActiveToken>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT t.kind, t.created_at, t.expires_at AS token_expires_at, u.email, {STATE_COLUMNS} \
         FROM tokens t JOIN grants g ON g.id = t.grant_id JOIN users u ON u.id = g.user_id \
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.used_at IS NULL AND t.expires_at > $2 \
           AND g.revoked_at IS NULL"
    ))
    .bind(token_hash)
    .bind(now)
    .fetch_optional(db)
    .await
}

/// Any token with this hash, whatever its state.
pub async fn find<'e>(
    db: impl Executor<'e, Database = Db>,
    token_hash: &str,
) -> Result<Option<TokenRecord>, sqlx::Error> {
    sqlx::query_as(
        "SELECT t.kind, t.grant_id, g.client_id, g.user_id, t.used_at \
         FROM tokens t JOIN grants g ON g.id = t.grant_id WHERE t.token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(db)
    .await
}

/// Rotates a refresh token: marks it used if it is live, in one statement, and returns its
/// grant. `None` means it was unknown, expired, revoked or already rotated.
pub async fn consume_refresh<'e>(
    db: impl Executor<'e, Database = Db>,
    token_hash: &str,
    now: i64,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE tokens SET used_at = $1 \
         WHERE token_hash = $2 AND kind = 'refresh' AND used_at IS NULL AND revoked_at IS NULL \
           AND expires_at > $1 \
           AND grant_id IN (SELECT id FROM grants WHERE revoked_at IS NULL) \
         RETURNING grant_id",
    )
    .bind(now)
    .bind(token_hash)
    .fetch_optional(db)
    .await
}

/// Rotates again on behalf of a refresh token rotated less than `grace` seconds ago, as a
/// client retrying after a lost response does: retires the grant's live refresh token (marks
/// it used, so presenting it after the window counts as a replay) and returns the grant.
/// `None` when the token is not such a recent rotation of a live grant.
pub async fn rotate_again<'e>(
    db: impl Executor<'e, Database = Db>,
    token_hash: &str,
    now: i64,
    grace: i64,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE tokens SET used_at = $1 \
         WHERE kind = 'refresh' AND used_at IS NULL AND revoked_at IS NULL \
           AND grant_id = (SELECT grant_id FROM tokens WHERE token_hash = $2 AND kind = 'refresh' \
             AND used_at IS NOT NULL AND used_at > $1 - $3 AND revoked_at IS NULL AND expires_at > $1) \
           AND grant_id IN (SELECT id FROM grants WHERE revoked_at IS NULL) \
         RETURNING grant_id",
    )
    .bind(now)
    .bind(token_hash)
    .bind(grace)
    .fetch_optional(db)
    .await
}

/// Revokes one token. Returns its grant if it was live until now.
pub async fn revoke<'e>(
    db: impl Executor<'e, Database = Db>,
    token_hash: &str,
    now: i64,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE tokens SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL \
         RETURNING grant_id",
    )
    .bind(now)
    .bind(token_hash)
    .fetch_optional(db)
    .await
}

/// Deletes tokens that expired more than a day ago.
pub async fn delete_expired<'e>(
    db: impl Executor<'e, Database = Db>,
    now: i64,
) -> Result<u64, sqlx::Error> {
    super::delete_before(
        db,
        "DELETE FROM tokens WHERE expires_at < $1",
        now - super::EXPIRED_KEPT_FOR,
    )
    .await
}
