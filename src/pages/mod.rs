//! One module per page.

pub mod connect;
pub mod login;
pub mod not_found;
pub mod security;
pub mod signup;

use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::error::AppError;

/// Percent-encodes a query value (RFC 3986 unreserved characters pass through).
pub fn encode_query_value(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// What a signed-in page shows when its data could not be loaded: the sign-in page (and back
/// here afterwards) for a signed-out visitor, otherwise the error in words.
pub fn load_failed(err: AppError, back_to: String) -> AnyView {
    match err {
        AppError::SignedOut => {
            view! { <Redirect path=format!("/login?next={}", encode_query_value(&back_to))/> }
                .into_any()
        }
        err => view! {
            <section class="card">
                <div class="alert" role="alert">
                                        <p>{err.to_string()}</p>
                </div>
                <a class="btn" href=back_to>"Try again"</a>
            </section>
        }
        .into_any(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(
            encode_query_value("/connect?scope=a b&x=1"),
            "%2Fconnect%3Fscope%3Da%20b%26x%3D1"
        );
        assert_eq!(encode_query_value("plain-text_1.0~"), "plain-text_1.0~");
    }
}
