//! Scheduled pruning of everything that grows with traffic, so an open server's database and
//! memory stay bounded: expired portal sessions, one-time codes (agent, authorization and
//! device codes) and tokens a day after they expire, dead grants, unused client registrations
//! (RFC 7591 section 3) and security events after the configured retention (90 days by
//! default), idle unauthenticated `/mcp/agent` sessions (in memory, and their stored rows after
//! an hour; authenticated ones when their grant ends), and the rate limiter's full buckets.

use std::time::Duration;

use tower_sessions::session_store::ExpiredDeletion;

use crate::server::app::state::AppState;
use crate::server::db;
use crate::server::domain::grant;

/// How often memory is tidied: idle MCP sessions and rate-limit buckets.
const MEMORY_EVERY: Duration = Duration::from_secs(60);
/// The database is pruned every this many memory rounds (10 minutes).
const DATABASE_EVERY: u32 = 10;

/// Seconds an `/mcp/agent` session that never authenticated stays stored (idle ones are
/// forgotten sooner, when closed).
const UNAUTHENTICATED_MCP_SESSION_ROWS: i64 = 3_600;

/// Rows deleted by one [`prune`], per table.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Pruned {
    pub agent_codes: u64,
    pub authorization_codes: u64,
    pub device_codes: u64,
    pub tokens: u64,
    pub grants: u64,
    pub clients: u64,
    pub security_events: u64,
    pub mcp_sessions: u64,
    pub grant_activity: u64,
}

/// Deletes what has outlived its use, as of the state's clock. Portal sessions go by their
/// own expiry, which tower-sessions keeps in wall-clock time.
pub async fn prune(state: &AppState) -> anyhow::Result<Pruned> {
    let now = state.now();
    let retained_since = now - state.config.retention_seconds();
    let pool = &state.db;
    let pruned = Pruned {
        agent_codes: db::agent_codes::delete_expired(pool, now).await?,
        authorization_codes: db::authorization_codes::delete_expired(pool, now).await?,
        device_codes: db::device_codes::delete_expired(pool, now).await?,
        tokens: db::tokens::delete_expired(pool, now).await?,
        grants: db::grants::delete_dead(pool, retained_since).await?,
        clients: db::clients::delete_unused(pool, retained_since).await?,
        security_events: db::events::delete_older_than(pool, retained_since).await?,
        mcp_sessions: db::mcp_sessions::delete_stale(
            pool,
            now - UNAUTHENTICATED_MCP_SESSION_ROWS,
            now,
        )
        .await?,
        grant_activity: db::activity::delete_older_than(
            pool,
            now - crate::server::domain::activity_log::RETENTION,
        )
        .await?,
    };
    state.sessions.delete_expired().await?;
    Ok(pruned)
}

/// Frees memory held for callers who went quiet.
pub async fn tidy_memory(state: &AppState) {
    state.agent_sessions.sweep().await;
    state.limits.shrink().await;
    // Not memory, but due within the minute: tokens refuse such grants already, and this
    // makes the revocation visible on the pages and in the person's log.
    if let Err(err) = grant::revoke_unapproved(&state.db, &state.live_tokens, state.now()).await {
        tracing::warn!(%err, "could not revoke unapproved grants");
    }
}

/// Runs [`tidy_memory`] every minute and [`prune`] every ten, for as long as the server runs.
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(MEMORY_EVERY);
        let mut round = 0u32;
        loop {
            tick.tick().await;
            tidy_memory(&state).await;
            if round.is_multiple_of(DATABASE_EVERY) {
                match prune(&state).await {
                    Ok(pruned) => tracing::debug!(?pruned, "housekeeping done"),
                    Err(err) => tracing::warn!(%err, "housekeeping failed"),
                }
            }
            round = round.wrapping_add(1);
        }
    });
}
