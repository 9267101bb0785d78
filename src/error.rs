//! The error every server function returns. It crosses the wire as JSON, so a form shows the
//! same sentence whether it was posted by the hydrated page or by a browser without JavaScript.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

use crate::language::{Locale, td_string};

/// What went wrong, worded for the person in front of the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Input the person can fix; the message says how.
    #[error("{0}")]
    Invalid(String),
    /// What the page asked for does not exist (for this account); the message says what.
    #[error("{0}")]
    NotFound(String),
    /// The page needs a signed-in person.
    #[error("Your session has ended. Sign in again to continue.")]
    SignedOut,
    /// Too many attempts from this address.
    #[error("Too many attempts. Wait {0} seconds and try again.")]
    RateLimited(u64),
    /// The database is momentarily busy; nothing was done, and the same request may be sent
    /// again after the given seconds.
    #[error(
        "Agent Connect is busy right now. Try again in {0} second{s}.",
        s = if *.0 == 1 { "" } else { "s" }
    )]
    Unavailable(u64),
    /// The request never reached the server or its answer was unreadable.
    #[error("We couldn't reach Agent Connect. Check your connection and try again.")]
    Network,
    /// Anything else; the cause is in the server log, never on the page.
    #[error("Something went wrong on our side. Try again in a moment.")]
    Internal,
}

impl AppError {
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid(message.into())
    }

    /// Seconds the client should wait before retrying, sent as `Retry-After`.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::RateLimited(wait) | Self::Unavailable(wait) => Some(*wait),
            _ => None,
        }
    }

    /// The message in the visitor's language. [`AppError::Invalid`] and [`AppError::NotFound`]
    /// were worded in it when they were made; `Display` stays English, for logs and the API.
    pub fn message(&self, locale: Locale) -> String {
        match self {
            Self::Invalid(message) | Self::NotFound(message) => message.clone(),
            Self::SignedOut => td_string!(locale, common.error_signed_out).to_owned(),
            Self::RateLimited(wait) => {
                td_string!(locale, common.error_rate_limited, seconds = *wait).to_string()
            }
            Self::Unavailable(1) => td_string!(locale, common.error_unavailable_one).to_owned(),
            Self::Unavailable(wait) => {
                td_string!(locale, common.error_unavailable, seconds = *wait).to_string()
            }
            Self::Network => td_string!(locale, common.error_network).to_owned(),
            Self::Internal => td_string!(locale, common.error_internal).to_owned(),
        }
    }

    /// HTTP status for the response that carries this error.
    pub fn status(&self) -> u16 {
        match self {
            Self::Invalid(_) => 400,
            Self::NotFound(_) => 404,
            Self::SignedOut => 401,
            Self::RateLimited(_) => 429,
            Self::Unavailable(_) => 503,
            Self::Network => 502,
            Self::Internal => 500,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::Deserialization(_) => Self::invalid(
                td_string!(crate::language::current(), common.error_unreadable_form),
            ),
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => Self::Network,
            _ => Self::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::AppError;
    use crate::language::Locale;

    #[test]
    fn the_wait_reads_as_people_say_it() {
        assert_eq!(
            AppError::Unavailable(1).to_string(),
            "Agent Connect is busy right now. Try again in 1 second."
        );
        assert_eq!(
            AppError::Unavailable(3).to_string(),
            "Agent Connect is busy right now. Try again in 3 seconds."
        );
        assert_eq!(
            AppError::Unavailable(3).message(Locale::en),
            AppError::Unavailable(3).to_string()
        );
        assert_eq!(
            AppError::Unavailable(3).message(Locale::zh_Hans),
            "Agent Connect 当前繁忙，请 3 秒后重试。"
        );
    }
}
