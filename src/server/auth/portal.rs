//! What the portal's server functions share: the state, the session, the signed-in person and
//! the client's address, read from the request context that leptos_axum provides.

use std::net::IpAddr;

use axum::Extension;
use leptos::prelude::*;
use tower_sessions::Session;

use crate::error::AppError;
use crate::server::app::state::AppState;
use crate::server::app::telemetry;
use crate::server::auth::portal_session;
use crate::server::db::{
    self,
    users::{self, User},
};
use crate::server::domain::Actor;
use crate::server::web::ClientAddr;

/// The shared state. Absent only when the app is rendered outside a request (leptos_axum
/// renders it once at start-up to list the routes); a server function then fails quietly.
pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or(AppError::Internal)
}

pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|err| {
        tracing::error!(%err, "no session on a portal request");
        AppError::Internal
    })
}

pub async fn client_addr() -> IpAddr {
    leptos_axum::extract::<Extension<ClientAddr>>()
        .await
        .map(|Extension(ClientAddr(addr))| addr)
        .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
}

/// The signed-in person, if any.
pub async fn current_user(state: &AppState, session: &Session) -> Result<Option<User>, AppError> {
    let Some(id) = portal_session::user_id(session).await? else {
        return Ok(None);
    };
    Ok(users::find_by_id(&state.db, &id).await?)
}

/// A portal request from a signed-in person.
pub struct SignedIn {
    pub state: AppState,
    pub session: Session,
    pub user: User,
}

impl SignedIn {
    /// The signed-in person acting now from `addr`, as the domain's verbs take them.
    pub fn actor(&self, addr: IpAddr) -> Actor<'_> {
        Actor {
            user_id: &self.user.id,
            addr: Some(addr),
            at: self.state.now(),
        }
    }
}

/// The state, session and person of this request, or [`AppError::SignedOut`].
pub async fn signed_in() -> Result<SignedIn, AppError> {
    let state = state()?;
    let session = session().await?;
    let user = current_user(&state, &session)
        .await?
        .ok_or(AppError::SignedOut)?;
    Ok(SignedIn {
        state,
        session,
        user,
    })
}

/// [`AppError::Unavailable`], and the page or server function response that carries it
/// becomes a 503 with `Retry-After` (pages render after their data, so the status still
/// applies).
pub fn unavailable() -> AppError {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::SERVICE_UNAVAILABLE);
        response.insert_header(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from(db::BUSY_RETRY_AFTER),
        );
    }
    AppError::Unavailable(db::BUSY_RETRY_AFTER)
}

/// A busy database is [`unavailable`]; anything else is internal, its cause logged.
impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        let busy = db::is_busy(&err);
        telemetry::database_error(busy);
        if busy {
            tracing::warn!(%err, "database busy in a portal request");
            return unavailable();
        }
        tracing::error!(%err, "database error in a portal request");
        AppError::Internal
    }
}

/// The session store failing to reach its database is [`unavailable`] (the store reports
/// only the message of the database error); a session that cannot be encoded or decoded is
/// internal.
impl From<tower_sessions::session::Error> for AppError {
    fn from(err: tower_sessions::session::Error) -> Self {
        use tower_sessions::session::Error;
        use tower_sessions::session_store::Error as StoreError;
        if let Error::Store(StoreError::Backend(_)) = &err {
            tracing::warn!(%err, "session store unavailable");
            return unavailable();
        }
        tracing::error!(%err, "session store error");
        AppError::Internal
    }
}
