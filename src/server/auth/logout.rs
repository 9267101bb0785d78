//! `POST /logout`: ends the session on the server (ASVS 7.4), not just in the browser.

use axum::response::{IntoResponse, Redirect};
use tower_sessions::Session;

use super::portal_session;

/// Deletes the session and sends the browser to the sign-in page.
pub async fn logout(session: Session) -> impl IntoResponse {
    if let Err(err) = portal_session::sign_out(&session).await {
        tracing::error!(%err, "could not end a session");
    }
    Redirect::to("/login")
}
