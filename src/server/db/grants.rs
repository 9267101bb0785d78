//! `grants`: one row per authorization of an agent. Tokens hang off a grant; a revoked grant
//! makes all of them fail on the very next request.

use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Executor, FromRow};

use super::columns::text_enum;
use super::ids::{ClientId, GrantId, UserId};
use super::{Conn, Db, ManyRows, pad};
use crate::lifetime::HighRiskLimits;
use crate::scopes::Scopes;

text_enum! {
    /// How a grant came to be; stored by its snake_case name.
    pub enum GrantedVia {
        AgentCode = "agent_code",
        AuthorizationCode = "authorization_code",
        DeviceCode = "device_code",
    }
}

#[derive(Debug, Clone, FromRow)]
pub struct Grant {
    pub id: GrantId,
    pub user_id: UserId,
    pub client_id: ClientId,
    pub agent_name: String,
    pub scopes: Scopes,
    pub granted_via: GrantedVia,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    /// The resource (RFC 8707) the grant's tokens are for; `None` for any.
    pub resource: Option<String>,
    /// Set while the person has paused the grant: its tokens are refused until they resume it.
    pub paused_at: Option<i64>,
    /// The address the grant was last used from, when known.
    pub last_used_ip: Option<String>,
    /// When the grant ends whatever its refreshes (`expires_at` never passes it); `None`
    /// until revoked.
    pub ends_at: Option<i64>,
    /// Seconds its high-risk scopes stay active from redemption or renewal; `None`: as long
    /// as the grant.
    pub high_risk_lifetime: Option<i64>,
    /// Until when its high-risk scopes are active; `None`: as long as the grant.
    pub high_risk_until: Option<i64>,
    /// Until when its high-risk scopes wait for the person's approval, after which the grant
    /// is revoked; `None` once approved, or when nothing needed approval.
    pub pending_until: Option<i64>,
    /// The software that redeemed it, as it named itself (User-Agent, MCP client info).
    pub client_software: Option<String>,
    /// The address it was redeemed from.
    pub redeemed_ip: Option<String>,
    /// The network it may be used from without being paused (see [`crate::server::domain::network`]);
    /// `None` when the person asked for no such guard.
    pub home_network: Option<String>,
}

impl Grant {
    /// What decides whether it may act, as a lookup by token or session reads it.
    pub fn state(&self) -> GrantState {
        GrantState {
            id: self.id.clone(),
            user_id: self.user_id.clone(),
            client_id: self.client_id.clone(),
            agent_name: self.agent_name.clone(),
            scopes: self.scopes.clone(),
            expires_at: self.expires_at,
            revoked_at: self.revoked_at,
            resource: self.resource.clone(),
            paused_at: self.paused_at,
            high_risk_until: self.high_risk_until,
            pending_until: self.pending_until,
            home_network: self.home_network.clone(),
        }
    }
}

/// The part of a grant that decides whether it may act now (see
/// [`crate::server::domain::grant::standing`]): the one row type read wherever a token or an
/// MCP session is looked up, by [`STATE_COLUMNS`] of `grants g`.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct GrantState {
    #[sqlx(rename = "grant_id")]
    pub id: GrantId,
    pub user_id: UserId,
    pub client_id: ClientId,
    pub agent_name: String,
    pub scopes: Scopes,
    /// When the grant ends unless refreshed (its refresh token's expiry).
    #[sqlx(rename = "grant_expires_at")]
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    /// The resource (RFC 8707) the grant's tokens are for; `None` for any.
    pub resource: Option<String>,
    /// Set while the grant is paused.
    pub paused_at: Option<i64>,
    /// Until when its high-risk scopes are active; `None`: as long as the grant.
    pub high_risk_until: Option<i64>,
    /// Until when they wait for the person's approval.
    pub pending_until: Option<i64>,
    /// The network it may be used from without being paused; `None`: any.
    pub home_network: Option<String>,
}

impl GrantState {
    pub fn high_risk_limits(&self) -> HighRiskLimits {
        HighRiskLimits {
            pending_until: self.pending_until,
            high_risk_until: self.high_risk_until,
        }
    }
}

/// The columns of [`GrantState`], read from `grants` aliased `g`.
pub const STATE_COLUMNS: &str = "g.id AS grant_id, g.user_id, g.client_id, g.agent_name, g.scopes, \
    g.expires_at AS grant_expires_at, g.revoked_at, g.resource, g.paused_at, g.high_risk_until, \
    g.pending_until, g.home_network";

const COLUMNS: &str = "id, user_id, client_id, agent_name, scopes, granted_via, created_at, last_used_at, expires_at, revoked_at, resource, paused_at, last_used_ip, ends_at, high_risk_lifetime, high_risk_until, pending_until, client_software, redeemed_ip, home_network";

pub async fn insert<'e>(
    db: impl Executor<'e, Database = Db>,
    grant: &Grant,
) -> Result<(), sqlx::Error> {
    let query = sqlx::query(
        "INSERT INTO grants (id, user_id, client_id, agent_name, scopes, granted_via, created_at, expires_at, resource, \
         ends_at, high_risk_lifetime, high_risk_until, pending_until, client_software, redeemed_ip, \
         home_network) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    );
    bind(query, grant).execute(db).await?;
    Ok(())
}

/// Inserts the grants, many to a statement.
pub async fn insert_many(conn: &mut Conn, grants: &[Grant]) -> Result<(), sqlx::Error> {
    static SQL: ManyRows = ManyRows::new(|p, rows| {
        format!(
            "INSERT INTO grants (id, user_id, client_id, agent_name, scopes, granted_via, created_at, expires_at, \
             resource, ends_at, high_risk_lifetime, high_risk_until, pending_until, client_software, \
             redeemed_ip, home_network) {}",
            p.values(rows, 16)
        )
    });
    for chunk in SQL.chunks(conn, grants.len()) {
        let mut query = sqlx::query(&chunk.sql);
        for grant in &grants[chunk.rows] {
            query = bind(query, grant);
        }
        pad(query, chunk.padding * 16).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Binds the inserted columns of one grant, in the order of the `INSERT`s above.
fn bind<'q>(
    query: Query<'q, Db, AnyArguments<'q>>,
    grant: &'q Grant,
) -> Query<'q, Db, AnyArguments<'q>> {
    query
        .bind(&grant.id)
        .bind(&grant.user_id)
        .bind(&grant.client_id)
        .bind(&grant.agent_name)
        .bind(&grant.scopes)
        .bind(grant.granted_via)
        .bind(grant.created_at)
        .bind(grant.expires_at)
        .bind(&grant.resource)
        .bind(grant.ends_at)
        .bind(grant.high_risk_lifetime)
        .bind(grant.high_risk_until)
        .bind(grant.pending_until)
        .bind(&grant.client_software)
        .bind(&grant.redeemed_ip)
        .bind(&grant.home_network)
}

pub async fn find<'e>(
    db: impl Executor<'e, Database = Db>,
    id: &str,
) -> Result<Option<Grant>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM grants WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// One of the person's grants, live or not.
pub async fn find_for_user<'e>(
    db: impl Executor<'e, Database = Db>,
    id: &str,
    user_id: &str,
) -> Result<Option<Grant>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM grants WHERE id = $1 AND user_id = $2"
    ))
    .bind(id)
    .bind(user_id)
    .fetch_optional(db)
    .await
}

/// Whether the person has had a grant for the client, live or not (dead ones are kept for the
/// retention period).
pub async fn exists_for_client<'e>(
    db: impl Executor<'e, Database = Db>,
    user_id: &UserId,
    client_id: &ClientId,
) -> Result<bool, sqlx::Error> {
    let found: Option<(String,)> =
        sqlx::query_as("SELECT id FROM grants WHERE user_id = $1 AND client_id = $2 LIMIT 1")
            .bind(user_id)
            .bind(client_id)
            .fetch_optional(db)
            .await?;
    Ok(found.is_some())
}

/// The person's live grants, newest first.
pub async fn list_active<'e>(
    db: impl Executor<'e, Database = Db>,
    user_id: &str,
    now: i64,
) -> Result<Vec<Grant>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM grants WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 \
         ORDER BY created_at DESC, id"
    ))
    .bind(user_id)
    .bind(now)
    .fetch_all(db)
    .await
}

/// Revokes one of the person's grants. Returns the grant if it was live.
pub async fn revoke<'e>(
    db: impl Executor<'e, Database = Db>,
    id: &str,
    user_id: &str,
    now: i64,
) -> Result<Option<Grant>, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE grants SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL RETURNING {COLUMNS}"
    ))
    .bind(now)
    .bind(id)
    .bind(user_id)
    .fetch_optional(db)
    .await
}

/// Pauses one of the person's live grants, or resumes it (`paused`: false). Returns the
/// grant if it changed.
pub async fn set_paused<'e>(
    db: impl Executor<'e, Database = Db>,
    id: &str,
    user_id: &str,
    paused: bool,
    now: i64,
) -> Result<Option<Grant>, sqlx::Error> {
    let (set, unless) = if paused {
        ("$1", "paused_at IS NULL")
    } else {
        ("NULL", "paused_at IS NOT NULL")
    };
    sqlx::query_as(&format!(
        "UPDATE grants SET paused_at = {set} \
         WHERE id = $2 AND user_id = $3 AND {unless} AND revoked_at IS NULL AND expires_at > $1 \
         RETURNING {COLUMNS}"
    ))
    .bind(now)
    .bind(id)
    .bind(user_id)
    .fetch_optional(db)
    .await
}

/// Pauses a guarded grant used from `network`, a network other than its home, and makes that
/// network its home (so that resuming accepts it). Returns the grant if it was paused now.
pub async fn pause_on_new_network<'e>(
    db: impl Executor<'e, Database = Db>,
    id: &str,
    network: &str,
    now: i64,
) -> Result<Option<Grant>, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE grants SET paused_at = $1, home_network = $2 \
         WHERE id = $3 AND home_network IS NOT NULL AND home_network <> $2 \
           AND paused_at IS NULL AND revoked_at IS NULL \
         RETURNING {COLUMNS}"
    ))
    .bind(now)
    .bind(network)
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Renames one of the person's live grants. Returns the grant as it was before, if renamed.
pub async fn rename<'e>(
    db: impl Executor<'e, Database = Db>,
    id: &str,
    user_id: &str,
    agent_name: &str,
    now: i64,
) -> Result<Option<Grant>, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE grants SET agent_name = $1 \
         WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL AND expires_at > $4 \
         RETURNING {COLUMNS}"
    ))
    .bind(agent_name)
    .bind(id)
    .bind(user_id)
    .bind(now)
    .fetch_optional(db)
    .await
}

/// Gives one of the person's live grants its high-risk scopes for another
/// `high_risk_lifetime` from now, never past the grant's end. Returns the grant if renewed.
pub async fn renew_high_risk<'e>(
    db: impl Executor<'e, Database = Db>,
    id: &str,
    user_id: &str,
    now: i64,
) -> Result<Option<Grant>, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE grants SET high_risk_until = CASE \
           WHEN ends_at IS NOT NULL AND ends_at < $1 + high_risk_lifetime THEN ends_at \
           ELSE $1 + high_risk_lifetime END \
         WHERE id = $2 AND user_id = $3 AND high_risk_lifetime IS NOT NULL \
           AND revoked_at IS NULL AND expires_at > $1 \
         RETURNING {COLUMNS}"
    ))
    .bind(now)
    .bind(id)
    .bind(user_id)
    .fetch_optional(db)
    .await
}

/// Approves the high-risk scopes of one of the person's grants that waits for it. Returns the
/// grant if it was waiting.
pub async fn approve<'e>(
    db: impl Executor<'e, Database = Db>,
    id: &str,
    user_id: &str,
    now: i64,
) -> Result<Option<Grant>, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE grants SET pending_until = NULL \
         WHERE id = $1 AND user_id = $2 AND pending_until > $3 AND revoked_at IS NULL \
         RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(user_id)
    .bind(now)
    .fetch_optional(db)
    .await
}

/// Revokes the grants whose high-risk scopes waited for approval until `now` in vain.
pub async fn revoke_unapproved<'e>(
    db: impl Executor<'e, Database = Db>,
    now: i64,
) -> Result<Vec<Grant>, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE grants SET revoked_at = $1 \
         WHERE pending_until <= $1 AND revoked_at IS NULL RETURNING {COLUMNS}"
    ))
    .bind(now)
    .fetch_all(db)
    .await
}

/// Revokes a grant whoever owns it (refresh-token replay, RFC 7009 revocation).
pub async fn revoke_by_id<'e>(
    db: impl Executor<'e, Database = Db>,
    id: &str,
    now: i64,
) -> Result<Option<Grant>, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE grants SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING {COLUMNS}"
    ))
    .bind(now)
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Revokes all of the person's live grants and returns them.
pub async fn revoke_all<'e>(
    db: impl Executor<'e, Database = Db>,
    user_id: &str,
    now: i64,
) -> Result<Vec<Grant>, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE grants SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL RETURNING {COLUMNS}"
    ))
    .bind(now)
    .bind(user_id)
    .fetch_all(db)
    .await
}

/// Records use of a grant, from `client_ip` when known, writing at most once a minute per
/// grant so that a busy agent does not turn every request into a write.
pub async fn touch<'e>(
    db: impl Executor<'e, Database = Db>,
    id: &str,
    client_ip: Option<&str>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE grants SET last_used_at = $1, last_used_ip = COALESCE($2, last_used_ip) \
         WHERE id = $3 AND (last_used_at IS NULL OR last_used_at <= $4)",
    )
    .bind(now)
    .bind(client_ip)
    .bind(id)
    .bind(now - 60)
    .execute(db)
    .await?;
    Ok(())
}

/// Moves the grant's expiry after a refresh.
pub async fn extend<'e>(
    db: impl Executor<'e, Database = Db>,
    id: &str,
    expires_at: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE grants SET expires_at = $1, last_used_at = $2 WHERE id = $3")
        .bind(expires_at)
        .bind(now)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Deletes grants that were revoked or expired before `cutoff`, with their tokens. Live
/// grants, and dead ones still within the retention, stay.
pub async fn delete_dead<'e>(
    db: impl Executor<'e, Database = Db>,
    cutoff: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM grants WHERE expires_at < $1 OR revoked_at < $1")
        .bind(cutoff)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}

/// Takes the write lock on the grant of the token with this hash, for the rest of the
/// transaction, so that the transactions working on one grant's tokens (refresh rotations)
/// run one after another on every backend: a row lock on PostgreSQL, where each later
/// statement then sees what the previous holder committed; the database's write lock on
/// SQLite. Changes nothing.
pub async fn lock_by_token<'e>(
    db: impl Executor<'e, Database = Db>,
    token_hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE grants SET revoked_at = revoked_at \
         WHERE id = (SELECT grant_id FROM tokens WHERE token_hash = $1)",
    )
    .bind(token_hash)
    .execute(db)
    .await?;
    Ok(())
}
