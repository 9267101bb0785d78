//! The answer of a server that cannot answer right now: 503 with `Retry-After`, in words a
//! person can read.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::language::{Locale, td_string};
use crate::server::db::BUSY_RETRY_AFTER;

/// 503 with `Retry-After`, as every busy answer of the portal is, in the visitor's language.
pub fn busy(locale: Locale) -> Response {
    let mut res = (
        StatusCode::SERVICE_UNAVAILABLE,
        td_string!(locale, oauth.busy),
    )
        .into_response();
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(BUSY_RETRY_AFTER));
    res
}
