//! `agent_codes`: one-time agent auth codes, stored by hash, consumed by one conditional UPDATE.

use sqlx::{Executor, FromRow};

use super::{Conn, Db, ManyRows};
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
    /// Seconds the grant will last; `None` until revoked.
    pub lifetime: Option<i64>,
    /// Seconds its high-risk scopes will stay active; `None` as long as the grant.
    pub high_risk_lifetime: Option<i64>,
    /// Seconds the grant may wait for the person to approve its high-risk scopes; `None` when
    /// it has none.
    pub confirm_within: Option<i64>,
    /// 1 when the person asked to pause the grant if it is used from a new network, else 0.
    pub guard_network: i64,
}

/// The columns of [`AgentCodeRow`].
const COLUMNS: &str = "code_hash, user_id, scopes, agent_name, created_at, expires_at, lifetime, high_risk_lifetime, \
     confirm_within, guard_network";

/// Redemption state of a code, for the page that issued it: when it was used, and the grant
/// it became.
#[derive(Debug, Clone, FromRow)]
pub struct Redemption {
    pub used_at: Option<i64>,
    pub confirm_within: Option<i64>,
    pub grant_id: Option<String>,
    pub agent_name: Option<String>,
    pub client_software: Option<String>,
    pub redeemed_ip: Option<String>,
    pub pending_until: Option<i64>,
    pub revoked_at: Option<i64>,
}

pub async fn insert<'e>(
    db: impl Executor<'e, Database = Db>,
    code: &AgentCodeRow,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO agent_codes (code_hash, user_id, scopes, agent_name, created_at, expires_at, \
         lifetime, high_risk_lifetime, confirm_within, guard_network) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&code.code_hash)
    .bind(&code.user_id)
    .bind(&code.scopes)
    .bind(&code.agent_name)
    .bind(code.created_at)
    .bind(code.expires_at)
    .bind(code.lifetime)
    .bind(code.high_risk_lifetime)
    .bind(code.confirm_within)
    .bind(code.guard_network)
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
    sqlx::query_as(&format!(
        "UPDATE agent_codes SET used_at = $1, grant_id = $2 \
         WHERE code_hash = $3 AND used_at IS NULL AND expires_at > $1 \
         RETURNING {COLUMNS}"
    ))
    .bind(now)
    .bind(grant_id)
    .bind(code_hash)
    .fetch_optional(db)
    .await
}

/// A code consumed by [`consume_many`], with the grant it became.
#[derive(Debug, Clone, FromRow)]
pub struct Consumed {
    #[sqlx(flatten)]
    pub code: AgentCodeRow,
    pub grant_id: String,
}

/// [`consume`] for several codes, many to a statement: each `(code_hash, grant_id)` claims the
/// code for that grant. A code claimed twice goes to its first claim only; the rows returned
/// say which codes were consumed, and for which grant.
pub async fn consume_many(
    conn: &mut Conn,
    claims: &[(String, String)],
    now: i64,
) -> Result<Vec<Consumed>, sqlx::Error> {
    // Placeholders in the order the values are bound: now, each (hash, grant), each hash, now.
    // A padding claim is NULLs, which no code matches.
    static SQL: ManyRows = ManyRows::new(|p, rows| {
        let used_at = p.one();
        let grant_ids: String = (0..rows)
            .map(|_| format!(" WHEN {} THEN {}", p.one(), p.one()))
            .collect();
        let hashes: Vec<String> = (0..rows).map(|_| p.one()).collect();
        format!(
            "UPDATE agent_codes SET used_at = {used_at}, grant_id = CASE code_hash{grant_ids} END \
             WHERE code_hash IN ({}) AND used_at IS NULL AND expires_at > {} \
             RETURNING {COLUMNS}, grant_id",
            hashes.join(", "),
            p.one()
        )
    });
    let mut consumed = Vec::new();
    for chunk in SQL.chunks(conn, claims.len()) {
        let claims = &claims[chunk.rows];
        let mut query = sqlx::query_as(&chunk.sql).bind(now);
        for (hash, grant) in claims {
            query = query.bind(hash).bind(grant);
        }
        for _ in 0..chunk.padding {
            query = query.bind(None::<String>).bind(None::<String>);
        }
        for (hash, _) in claims {
            query = query.bind(hash);
        }
        for _ in 0..chunk.padding {
            query = query.bind(None::<String>);
        }
        consumed.extend(query.bind(now).fetch_all(&mut *conn).await?);
    }
    Ok(consumed)
}

/// When a code of this user was used, and by which agent.
pub async fn find_redemption<'e>(
    db: impl Executor<'e, Database = Db>,
    code_hash: &str,
    user_id: &str,
) -> Result<Option<Redemption>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.used_at, c.confirm_within, g.id AS grant_id, g.agent_name, g.client_software, \
         g.redeemed_ip, g.pending_until, g.revoked_at \
         FROM agent_codes c LEFT JOIN grants g ON g.id = c.grant_id \
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
    super::delete_before(
        db,
        "DELETE FROM agent_codes WHERE expires_at < $1",
        now - super::EXPIRED_KEPT_FOR,
    )
    .await
}
