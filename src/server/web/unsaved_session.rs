//! A session that could not be saved is a busy database, and is answered like one.

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;

/// tower-sessions answers a session it could not save with a bare 500 (no headers, no
/// body); the only way to fail there is its database, so that becomes the 503 with
/// `Retry-After` every other busy-database answer is.
pub async fn unsaved_session_is_unavailable(req: Request, next: Next) -> Response {
    let locale = crate::language::from_headers(req.headers());
    let res = next.run(req).await;
    let bare =
        res.headers().is_empty() && axum::body::HttpBody::size_hint(res.body()).exact() == Some(0);
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR || !bare {
        return res;
    }
    tracing::warn!("session could not be saved: database unavailable");
    super::busy::busy(locale)
}
