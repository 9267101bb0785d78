//! `security_events`: what happened to an account, for its owner to review.

use sqlx::{Executor, FromRow};

use super::columns::text_enum;
use super::{Conn, Db, ManyRows, pad};

text_enum! {
    /// The kinds of event recorded; stored by their snake_case names.
    pub enum EventKind {
        SignedUp = "signed_up",
        SignedIn = "signed_in",
        CodeIssued = "code_issued",
        CodeRedeemed = "code_redeemed",
        GrantRevoked = "grant_revoked",
        TokenRevoked = "token_revoked",
        RefreshReuse = "refresh_reuse",
        AuthorizationApproved = "authorization_approved",
        AuthorizationDenied = "authorization_denied",
        DeviceApproved = "device_approved",
        DeviceDenied = "device_denied",
        GrantPaused = "grant_paused",
        GrantResumed = "grant_resumed",
        GrantRenamed = "grant_renamed",
        HighRiskRenewed = "high_risk_renewed",
        AgentApproved = "agent_approved",
        AgentDenied = "agent_denied",
        PausedOnNewNetwork = "paused_on_new_network",
    }
}

#[derive(Debug, Clone, FromRow)]
pub struct Event {
    pub kind: EventKind,
    pub detail: String,
    pub created_at: i64,
}

pub async fn record<'e>(
    db: impl Executor<'e, Database = Db>,
    user_id: &str,
    kind: EventKind,
    detail: &str,
    client_ip: Option<&str>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO security_events (id, user_id, kind, detail, client_ip, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(ordered_id())
    .bind(user_id)
    .bind(kind)
    .bind(detail)
    .bind(client_ip)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// An entry to add to a person's log.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub user_id: &'a str,
    pub kind: EventKind,
    pub detail: String,
    pub client_ip: Option<String>,
    pub created_at: i64,
}

/// Adds the entries, many to a statement, in order.
pub async fn record_many(conn: &mut Conn, events: &[NewEvent<'_>]) -> Result<(), sqlx::Error> {
    static SQL: ManyRows = ManyRows::new(|p, rows| {
        format!(
            "INSERT INTO security_events (id, user_id, kind, detail, client_ip, created_at) {}",
            p.values(rows, 6)
        )
    });
    for chunk in SQL.chunks(conn, events.len()) {
        let mut query = sqlx::query(&chunk.sql);
        for event in &events[chunk.rows] {
            query = query
                .bind(ordered_id())
                .bind(event.user_id)
                .bind(event.kind)
                .bind(event.detail.as_str())
                .bind(event.client_ip.as_deref())
                .bind(event.created_at);
        }
        pad(query, chunk.padding * 6).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Ids sort in the order events were written, so the log reads in order within one second.
fn ordered_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!(
        "{nanos:032x}{}",
        crate::server::domain::secrets::new_id("_")
    )
}

/// The account's most recent events, newest first.
pub async fn list_recent<'e>(
    db: impl Executor<'e, Database = Db>,
    user_id: &str,
    limit: i64,
) -> Result<Vec<Event>, sqlx::Error> {
    sqlx::query_as(
        "SELECT kind, detail, created_at FROM security_events WHERE user_id = $1 \
         ORDER BY created_at DESC, id DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// The kinds that signal a stolen token or code, which the security page puts on top.
pub const THEFT_SIGNALS: [EventKind; 2] = [EventKind::RefreshReuse, EventKind::PausedOnNewNetwork];

/// The account's theft signals (see [`THEFT_SIGNALS`]) recorded since `since`, newest first.
pub async fn list_theft_signals<'e>(
    db: impl Executor<'e, Database = Db>,
    user_id: &str,
    since: i64,
    limit: i64,
) -> Result<Vec<Event>, sqlx::Error> {
    let kinds: Vec<String> = THEFT_SIGNALS
        .iter()
        .map(|kind| format!("'{}'", kind.as_str()))
        .collect();
    sqlx::query_as(&format!(
        "SELECT kind, detail, created_at FROM security_events \
         WHERE user_id = $1 AND created_at >= $2 AND kind IN ({}) \
         ORDER BY created_at DESC, id DESC LIMIT $3",
        kinds.join(", ")
    ))
    .bind(user_id)
    .bind(since)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Deletes events recorded before `cutoff` (the retention the operator configured).
pub async fn delete_older_than<'e>(
    db: impl Executor<'e, Database = Db>,
    cutoff: i64,
) -> Result<u64, sqlx::Error> {
    super::delete_before(
        db,
        "DELETE FROM security_events WHERE created_at < $1",
        cutoff,
    )
    .await
}
