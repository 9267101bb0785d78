//! What the portal's server functions answer, for the two ways a page calls them:
//! - a form posted without JavaScript gets a redirect back to its page, and its error (if any)
//!   waits in the session for that page to show, never in the URL;
//! - a call from the hydrated page gets the HTTP status of its [`AppError`](crate::error::AppError),
//!   so a wrong password is a 400, not a server error.
//!
//! How Leptos shapes these answers, and the rewrite of them, is in [`super::server_fn_redirect`].

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use tower_sessions::Session;

use super::client_addr::ClientAddr;
use super::server_fn_redirect::{restore_referer, take_form_error, with_error_status};
use crate::model::FormError;
use crate::server::app::state::AppState;
use crate::server::auth::portal_session;
use crate::server::domain::ratelimit::Action;

/// The layer around the portal's server functions.
pub async fn server_fn_answers(
    State(state): State<AppState>,
    session: Session,
    req: Request,
    next: Next,
) -> Response {
    let req = match restore_referer(req, &state.config.public_base()).await {
        Ok(req) => req,
        Err(res) => return res,
    };
    let addr = req.extensions().get::<ClientAddr>().copied();
    let locale = crate::language::from_headers(req.headers());
    let mut res = next.run(req).await;
    if res.headers().contains_key(header::LOCATION) {
        if let Some(error) = take_form_error(&mut res, locale) {
            keep_form_error(&state, addr, &session, &error).await;
        }
        return res;
    }
    if res.status() == StatusCode::INTERNAL_SERVER_ERROR {
        return with_error_status(res).await;
    }
    res
}

/// Keeps `error` in the session for the page the browser is sent back to, when a session may
/// be had.
async fn keep_form_error(
    state: &AppState,
    addr: Option<ClientAddr>,
    session: &Session,
    error: &FormError,
) {
    if may_store_for(state, addr, session).await
        && let Err(err) = portal_session::set_form_error(session, error).await
    {
        tracing::error!(%err, "could not keep a form error in the session");
    }
}

/// Whether something may be stored in `session`. A visitor without one gets a session only
/// within the anonymous-session limits (per address and in total), and it lives an hour: a
/// stranger cannot fill the session table. Beyond the limit the form's message is dropped,
/// nothing else.
async fn may_store_for(state: &AppState, addr: Option<ClientAddr>, session: &Session) -> bool {
    if !portal_session::is_new(session) {
        return true;
    }
    let Some(ClientAddr(addr)) = addr else {
        return false;
    };
    if state
        .limits
        .check(Action::StartSession, addr)
        .await
        .is_err()
    {
        tracing::warn!("anonymous session limit reached; a form error was not kept");
        return false;
    }
    portal_session::make_anonymous(session);
    true
}
