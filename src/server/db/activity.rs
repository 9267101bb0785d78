//! `grant_activity`: what each agent did, one row per grant, kind, name and minute with the
//! number of times, so a busy agent adds a handful of rows a minute rather than one a call.

use sqlx::{Executor, FromRow};

use super::columns::text_enum;
use super::{Conn, Db, Placeholders};

text_enum! {
    /// What an activity row counts; stored by its snake_case name.
    pub enum ActivityKind {
        ToolCall = "tool_call",
        ToolRefused = "tool_refused",
        Refresh = "refresh",
        Paused = "paused",
        Resumed = "resumed",
        Renamed = "renamed",
        HighRiskRenewed = "high_risk_renewed",
        PausedOnNewNetwork = "paused_on_new_network",
    }
}

/// Calls of one kind and name in one minute of one grant.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct Activity {
    pub grant_id: String,
    pub kind: ActivityKind,
    /// The tool's name, the new agent name, or empty.
    pub name: String,
    /// The unix minute (seconds / 60) the row counts.
    pub minute: i64,
    pub calls: i64,
    /// The address of the latest call.
    pub client_ip: Option<String>,
    pub first_at: i64,
    pub last_at: i64,
}

/// Adds the rows in one statement; a row whose grant, kind, name and minute are already
/// stored adds its calls to that row. At most one row per key.
pub async fn add_many(conn: &mut Conn, rows: &[Activity]) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO grant_activity (grant_id, kind, name, minute, calls, client_ip, first_at, last_at) \
         VALUES {} \
         ON CONFLICT (grant_id, kind, name, minute) DO UPDATE SET \
           calls = grant_activity.calls + excluded.calls, \
           client_ip = COALESCE(excluded.client_ip, grant_activity.client_ip), \
           last_at = excluded.last_at",
        Placeholders::for_connection(conn).rows(rows.len(), 8)
    );
    let mut query = sqlx::query(&sql).persistent(false);
    for row in rows {
        query = query
            .bind(row.grant_id.as_str())
            .bind(row.kind)
            .bind(row.name.as_str())
            .bind(row.minute)
            .bind(row.calls)
            .bind(row.client_ip.as_deref())
            .bind(row.first_at)
            .bind(row.last_at);
    }
    query.execute(conn).await?;
    Ok(())
}

/// The grant's latest activity, newest first.
pub async fn list_recent<'e>(
    db: impl Executor<'e, Database = Db>,
    grant_id: &str,
    limit: i64,
) -> Result<Vec<Activity>, sqlx::Error> {
    sqlx::query_as(
        "SELECT grant_id, kind, name, minute, calls, client_ip, first_at, last_at \
         FROM grant_activity WHERE grant_id = $1 ORDER BY last_at DESC, kind, name LIMIT $2",
    )
    .bind(grant_id)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Deletes activity last seen before `cutoff`.
pub async fn delete_older_than<'e>(
    db: impl Executor<'e, Database = Db>,
    cutoff: i64,
) -> Result<u64, sqlx::Error> {
    super::delete_before(db, "DELETE FROM grant_activity WHERE last_at < $1", cutoff).await
}
