//! Admission of `/mcp/agent` sessions (MCP transports 2025-11-25, section "Session
//! Management"). Anyone may open one, so sessions that have not authenticated yet are capped
//! per client address (IPv6 per /64) and in total, and closed after a short idle time. Over a
//! cap a new session is refused (429 for the address, 503 in total, both with `Retry-After`,
//! RFC 9110 section 10.2.3); nothing already open is evicted to make room, and a session that
//! has authenticated leaves the count and lives as long as its access token.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Extension;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rmcp::transport::streamable_http_server::SessionManager;
use rmcp::transport::streamable_http_server::session::SessionId;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;

use crate::server::app::config::ServeConfig;
use crate::server::db::{Pool, mcp_sessions};
use crate::server::domain::ratelimit::limiter_key;
use crate::server::domain::secrets::ACCESS_TTL;
use crate::server::web::ClientAddr;

/// The header that names an MCP session.
pub const SESSION_HEADER: &str = "mcp-session-id";

/// The sessions of `/mcp/agent` and the count of those not yet authenticated; cheap to clone.
#[derive(Clone)]
pub struct AgentSessions {
    inner: Arc<Inner>,
}

struct Inner {
    manager: Arc<LocalSessionManager>,
    /// Where sessions are shared with other instances ([`super::legacy_session_store`]); a session
    /// closed for idling before it authenticated is forgotten there too.
    db: Option<Pool>,
    unauthenticated: Mutex<Unauthenticated>,
    per_address: usize,
    total: usize,
    idle: Duration,
}

#[derive(Default)]
struct Unauthenticated {
    /// Open sessions by id, with the address key that opened them and when they were last used.
    open: HashMap<SessionId, Open>,
    /// Sessions being created right now, by address key: counted before they exist, so a burst
    /// of simultaneous requests cannot slip past the cap.
    starting: HashMap<IpAddr, usize>,
}

struct Open {
    key: IpAddr,
    last_seen: Instant,
}

impl Unauthenticated {
    fn count(&self, key: IpAddr) -> usize {
        self.open.values().filter(|open| open.key == key).count()
            + self.starting.get(&key).copied().unwrap_or(0)
    }

    fn total(&self) -> usize {
        self.open.len() + self.starting.values().sum::<usize>()
    }

    /// Seconds until the first of the matching sessions idles out, at least 1.
    fn retry_after(&self, idle: Duration, now: Instant, of: impl Fn(&Open) -> bool) -> u64 {
        self.open
            .values()
            .filter(|open| of(open))
            .map(|open| {
                idle.saturating_sub(now.saturating_duration_since(open.last_seen))
                    .as_secs()
                    + 1
            })
            .min()
            .unwrap_or(1)
    }
}

/// Why a new session was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// This address has as many unauthenticated sessions as it may.
    AddressFull { retry_after: u64 },
    /// The server has as many unauthenticated sessions as it may.
    ServerFull { retry_after: u64 },
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let (status, retry_after, message) = match self {
            Refusal::AddressFull { retry_after } => (
                StatusCode::TOO_MANY_REQUESTS,
                retry_after,
                "Too many MCP sessions from this address are waiting to authenticate. Use an \
                 open session, close one, or try again later.",
            ),
            Refusal::ServerFull { retry_after } => (
                StatusCode::SERVICE_UNAVAILABLE,
                retry_after,
                "The server has too many MCP sessions waiting to authenticate. Try again later.",
            ),
        };
        let body = serde_json::json!({
            "jsonrpc": "2.0",
            "id": null,
            "error": { "code": -32000, "message": message },
        });
        let mut res = (status, axum::Json(body)).into_response();
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        res
    }
}

/// A place held for a session being created; given back when dropped.
pub struct Reservation {
    sessions: AgentSessions,
    key: IpAddr,
}

impl Reservation {
    /// The session was created: it now counts as open until it authenticates or closes.
    pub fn opened(self, id: SessionId) {
        let mut unauthenticated = self.sessions.lock();
        unauthenticated.open.insert(
            id,
            Open {
                key: self.key,
                last_seen: Instant::now(),
            },
        );
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        let mut unauthenticated = self.sessions.lock();
        if let Some(count) = unauthenticated.starting.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                unauthenticated.starting.remove(&self.key);
            }
        }
    }
}

impl AgentSessions {
    /// The session store of `/mcp/agent`, with the caps of `config`.
    pub fn new(config: &ServeConfig) -> Self {
        Self::build(config, None)
    }

    /// The same, sharing sessions with other instances through `db`.
    pub fn shared(config: &ServeConfig, db: Pool) -> Self {
        Self::build(config, Some(db))
    }

    fn build(config: &ServeConfig, db: Option<Pool>) -> Self {
        let mut manager = LocalSessionManager::default();
        // An authenticated session is worth keeping as long as its access token lives; the
        // short idle time of unauthenticated ones is enforced by `sweep`.
        manager.session_config.keep_alive = Some(Duration::from_secs(ACCESS_TTL.unsigned_abs()));
        Self {
            inner: Arc::new(Inner {
                manager: Arc::new(manager),
                db,
                unauthenticated: Mutex::default(),
                per_address: config.mcp_agent_sessions_per_address.max(1),
                total: config.mcp_agent_sessions_total.max(1),
                idle: Duration::from_secs(config.mcp_agent_idle_seconds.max(1)),
            }),
        }
    }

    /// The session manager the Streamable HTTP service runs on.
    pub fn manager(&self) -> Arc<LocalSessionManager> {
        self.inner.manager.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Unauthenticated> {
        self.inner
            .unauthenticated
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Holds a place for a new session from `addr`, or says why there is none.
    pub async fn reserve(&self, addr: IpAddr) -> Result<Reservation, Refusal> {
        self.sweep().await;
        let key = limiter_key(addr);
        let now = Instant::now();
        let idle = self.inner.idle;
        let mut unauthenticated = self.lock();
        if unauthenticated.count(key) >= self.inner.per_address {
            let retry_after = unauthenticated.retry_after(idle, now, |open| open.key == key);
            return Err(Refusal::AddressFull { retry_after });
        }
        if unauthenticated.total() >= self.inner.total {
            let retry_after = unauthenticated.retry_after(idle, now, |_| true);
            return Err(Refusal::ServerFull { retry_after });
        }
        *unauthenticated.starting.entry(key).or_default() += 1;
        Ok(Reservation {
            sessions: self.clone(),
            key,
        })
    }

    /// Notes that an unauthenticated session was used, postponing its idle close.
    pub fn seen(&self, id: &str) {
        if let Some(open) = self.lock().open.get_mut(id) {
            open.last_seen = Instant::now();
        }
    }

    /// The session authenticated: it no longer counts against the caps, and it is never
    /// closed for being idle before its access token would have expired.
    pub fn authenticated(&self, id: &str) {
        self.lock().open.remove(id);
    }

    /// How many unauthenticated sessions are open or being created.
    pub fn unauthenticated(&self) -> usize {
        self.lock().total()
    }

    /// Forgets sessions that closed and closes unauthenticated ones idle for too long.
    pub async fn sweep(&self) {
        let now = Instant::now();
        let idle: Vec<SessionId> = {
            let live = self.inner.manager.sessions.read().await;
            let mut unauthenticated = self.lock();
            unauthenticated.open.retain(|id, _| live.contains_key(id));
            let idle: Vec<SessionId> = unauthenticated
                .open
                .iter()
                .filter(|(_, open)| {
                    now.saturating_duration_since(open.last_seen) >= self.inner.idle
                })
                .map(|(id, _)| id.clone())
                .collect();
            for id in &idle {
                unauthenticated.open.remove(id);
            }
            idle
        };
        for id in idle {
            if let Err(err) = self.inner.manager.close_session(&id).await {
                tracing::debug!(%err, "could not close an idle MCP session");
            }
            if let Some(db) = &self.inner.db
                && let Err(err) =
                    mcp_sessions::delete_unauthenticated(db, &mcp_sessions::SessionKey::of(&id))
                        .await
            {
                tracing::debug!(%err, "could not forget an idle MCP session");
            }
        }
    }
}

/// The layer in front of `/mcp/agent`: a request naming a session marks it used; a POST
/// without one, which may create a session, needs a place under the caps first.
pub async fn admit(
    State(sessions): State<AgentSessions>,
    Extension(ClientAddr(addr)): Extension<ClientAddr>,
    req: Request,
    next: Next,
) -> Response {
    if let Some(id) = req
        .headers()
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
    {
        sessions.seen(id);
        return next.run(req).await;
    }
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let reservation = match sessions.reserve(addr).await {
        Ok(reservation) => reservation,
        Err(refusal) => {
            tracing::info!(?refusal, "new MCP agent session refused");
            return refusal.into_response();
        }
    };
    let res = next.run(req).await;
    if let Some(id) = res
        .headers()
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
    {
        reservation.opened(id.into());
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sessions(per_address: usize, total: usize) -> AgentSessions {
        let mut config = ServeConfig::defaults("sqlite::memory:");
        config.mcp_agent_sessions_per_address = per_address;
        config.mcp_agent_sessions_total = total;
        AgentSessions::new(&config)
    }

    async fn open(sessions: &AgentSessions, addr: &str) -> Result<SessionId, Refusal> {
        let reservation = sessions.reserve(addr.parse().unwrap()).await?;
        let (id, _transport) = sessions.manager().create_session().await.unwrap();
        reservation.opened(id.clone());
        Ok(id)
    }

    #[tokio::test]
    async fn caps_per_address_and_in_total() {
        let sessions = sessions(2, 3);
        open(&sessions, "192.0.2.1").await.unwrap();
        open(&sessions, "192.0.2.1").await.unwrap();
        assert!(matches!(
            open(&sessions, "192.0.2.1").await,
            Err(Refusal::AddressFull { .. })
        ));
        open(&sessions, "2001:db8::1").await.unwrap();
        assert!(matches!(
            open(&sessions, "198.51.100.1").await,
            Err(Refusal::ServerFull { .. })
        ));
        assert_eq!(sessions.unauthenticated(), 3);
    }

    #[tokio::test]
    async fn authenticated_sessions_leave_the_count_and_are_never_evicted() {
        let sessions = sessions(1, 10);
        let id = open(&sessions, "192.0.2.1").await.unwrap();
        sessions.authenticated(&id);
        open(&sessions, "192.0.2.1").await.unwrap();
        assert!(open(&sessions, "192.0.2.1").await.is_err());
        assert!(
            sessions.manager().has_session(&id).await.unwrap(),
            "the authenticated session stays open"
        );
    }

    #[tokio::test]
    async fn a_reservation_not_used_is_given_back() {
        let sessions = sessions(1, 10);
        drop(
            sessions
                .reserve("192.0.2.1".parse().unwrap())
                .await
                .unwrap(),
        );
        assert_eq!(sessions.unauthenticated(), 0);
        assert!(open(&sessions, "192.0.2.1").await.is_ok());
    }

    #[tokio::test]
    async fn idle_unauthenticated_sessions_are_closed() {
        let mut config = ServeConfig::defaults("sqlite::memory:");
        config.mcp_agent_sessions_per_address = 1;
        config.mcp_agent_idle_seconds = 1;
        let sessions = AgentSessions::new(&config);
        let id = open(&sessions, "192.0.2.1").await.unwrap();
        assert!(open(&sessions, "192.0.2.1").await.is_err());
        tokio::time::sleep(Duration::from_millis(1100)).await;
        sessions.sweep().await;
        assert!(!sessions.manager().has_session(&id).await.unwrap());
        assert!(open(&sessions, "192.0.2.1").await.is_ok());
    }
}
