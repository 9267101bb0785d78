//! OAuth errors on the wire (RFC 6749 section 5.2): a JSON body with `error` and
//! `error_description`, kept apart from the internal causes, which are only logged.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::server::app::telemetry;
use crate::server::db;

/// The `error` codes we send: RFC 6749 sections 4.1.2.1 and 5.2, RFC 7591 section 3.2.2,
/// RFC 8628 section 3.5, RFC 8707 section 2, and `too_many_requests` for our rate limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    UnsupportedResponseType,
    InvalidScope,
    InvalidTarget,
    InvalidRedirectUri,
    InvalidClientMetadata,
    AccessDenied,
    AuthorizationPending,
    SlowDown,
    ExpiredToken,
    TooManyRequests,
    ServerError,
    TemporarilyUnavailable,
}

impl ErrorCode {
    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::InvalidClient => "invalid_client",
            ErrorCode::InvalidGrant => "invalid_grant",
            ErrorCode::UnauthorizedClient => "unauthorized_client",
            ErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            ErrorCode::UnsupportedResponseType => "unsupported_response_type",
            ErrorCode::InvalidScope => "invalid_scope",
            ErrorCode::InvalidTarget => "invalid_target",
            ErrorCode::InvalidRedirectUri => "invalid_redirect_uri",
            ErrorCode::InvalidClientMetadata => "invalid_client_metadata",
            ErrorCode::AccessDenied => "access_denied",
            ErrorCode::AuthorizationPending => "authorization_pending",
            ErrorCode::SlowDown => "slow_down",
            ErrorCode::ExpiredToken => "expired_token",
            ErrorCode::TooManyRequests => "too_many_requests",
            ErrorCode::ServerError => "server_error",
            ErrorCode::TemporarilyUnavailable => "temporarily_unavailable",
        }
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error response of the token, revocation and introspection endpoints.
#[derive(Debug)]
pub struct OAuthError {
    status: StatusCode,
    code: ErrorCode,
    description: String,
    retry_after: Option<u64>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: ErrorCode,
    error_description: &'a str,
}

impl OAuthError {
    fn new(status: StatusCode, code: ErrorCode, description: impl Into<String>) -> Self {
        Self {
            status,
            code,
            description: description.into(),
            retry_after: None,
        }
    }

    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidRequest,
            description,
        )
    }

    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidGrant,
            description,
        )
    }

    pub fn invalid_client(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::InvalidClient,
            description,
        )
    }

    pub fn invalid_scope(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidScope,
            description,
        )
    }

    pub fn invalid_redirect_uri(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidRedirectUri,
            description,
        )
    }

    pub fn invalid_client_metadata(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidClientMetadata,
            description,
        )
    }

    pub fn invalid_target(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidTarget,
            description,
        )
    }

    pub fn unauthorized_client(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::UnauthorizedClient,
            description,
        )
    }

    /// RFC 8628 section 3.5: the person has not decided yet; poll again after the interval.
    pub fn authorization_pending() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::AuthorizationPending,
            "The person has not approved this device yet.",
        )
    }

    /// RFC 8628 section 3.5: polled too soon; the interval is now `interval` seconds.
    pub fn slow_down(interval: i64) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::SlowDown,
            format!("Polling too fast. Wait {interval} seconds between requests."),
        )
    }

    /// RFC 8628 section 3.5: the device code expired; start a new device authorization.
    pub fn expired_token() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::ExpiredToken,
            "The device code has expired. Start again.",
        )
    }

    /// RFC 8628 section 3.5: the person denied the request.
    pub fn access_denied() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::AccessDenied,
            "The person denied this device.",
        )
    }

    pub fn unsupported_grant_type(grant_type: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::UnsupportedGrantType,
            format!("The grant type \"{grant_type}\" is not supported here."),
        )
    }

    pub fn too_many_requests(wait_seconds: u64) -> Self {
        Self {
            retry_after: Some(wait_seconds),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::TooManyRequests,
                format!(
                    "Too many attempts from this address. Wait {wait_seconds} seconds and try again."
                ),
            )
        }
    }

    /// A 500 for a state that should not exist; the cause goes to the log, not the client.
    pub fn server_error() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::ServerError,
            "The server could not complete the request.",
        )
    }

    /// A 503 the client may retry after a second.
    pub fn temporarily_unavailable() -> Self {
        Self {
            retry_after: Some(db::BUSY_RETRY_AFTER),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::TemporarilyUnavailable,
                format!(
                    "The server is busy. Try again in {} second{}.",
                    db::BUSY_RETRY_AFTER,
                    if db::BUSY_RETRY_AFTER == 1 { "" } else { "s" }
                ),
            )
        }
    }

    pub fn code(&self) -> ErrorCode {
        self.code
    }

    pub fn description(&self) -> &str {
        &self.description
    }

    pub fn retry_after(&self) -> Option<u64> {
        self.retry_after
    }
}

/// `ok`, or the OAuth error code a request was refused with: the outcome label of the
/// token endpoint's metrics.
pub fn outcome<T>(answer: &Result<T, OAuthError>) -> &'static str {
    match answer {
        Ok(_) => "ok",
        Err(err) => err.code().as_str(),
    }
}

/// Database failures: a busy database is a 503 the client may retry, anything else a 500;
/// neither ever looks like success, and the cause stays in the log.
impl From<sqlx::Error> for OAuthError {
    fn from(err: sqlx::Error) -> Self {
        let busy = db::is_busy(&err);
        telemetry::database_error(busy);
        if busy {
            tracing::warn!(%err, "database busy");
            Self::temporarily_unavailable()
        } else {
            tracing::error!(%err, "database error");
            Self::server_error()
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = Body {
            error: self.code,
            error_description: &self.description,
        };
        let mut res = (self.status, Json(body)).into_response();
        let headers = res.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"agent-connect\""),
            );
        }
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        res
    }
}
