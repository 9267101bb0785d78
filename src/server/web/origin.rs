//! The cross-site request check of the portal (ASVS 3.5): a state-changing request must come
//! from the configured public origin.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::server::app::config::ServeConfig;

/// Refuses state-changing requests to the portal that come from another site: the `Origin`
/// must be ours, and without one `Sec-Fetch-Site` must not say cross-site.
pub async fn same_origin_posts(
    State(config): State<Arc<ServeConfig>>,
    req: Request,
    next: Next,
) -> Response {
    let public_origin = config.public_url.origin().ascii_serialization();
    if req.method() != Method::GET
        && req.method() != Method::HEAD
        && !is_same_origin(req.headers(), &public_origin)
    {
        tracing::warn!(path = %req.uri().path(), "cross-site request refused");
        return (
            StatusCode::FORBIDDEN,
            "Cross-site requests are not allowed.",
        )
            .into_response();
    }
    next.run(req).await
}

/// Whether a request's `Origin` (or, without one, its Fetch Metadata) says it came from
/// `public_origin`, the configured public origin.
fn is_same_origin(headers: &HeaderMap, public_origin: &str) -> bool {
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        // Pages send no referrer, so browsers post forms with `Origin: null`; their
        // Fetch Metadata still says whether the post came from this site.
        Some("null") => fetch_site == Some("same-origin"),
        // Only the configured public origin counts: the Host header is the client's to
        // choose, so matching it would let any site that reaches us by its own name pass.
        Some(origin) => origin == public_origin,
        None => fetch_site != Some("cross-site"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_public_origin_is_same_origin() {
        let ours = "https://ac.example";
        let with = |pairs: &[(&'static str, &str)]| {
            let mut headers = HeaderMap::new();
            for (name, value) in pairs {
                headers.insert(*name, value.parse().unwrap());
            }
            headers
        };
        assert!(is_same_origin(&with(&[("origin", ours)]), ours));
        // The Host header is the client's to choose: it proves nothing.
        for (origin, host) in [
            ("https://evil.example", "evil.example"),
            ("http://evil.example", "evil.example"),
            ("http://ac.example", "ac.example"),
            ("https://ac.example:8443", "ac.example:8443"),
        ] {
            assert!(
                !is_same_origin(&with(&[("origin", origin), ("host", host)]), ours),
                "{origin}"
            );
        }
        assert!(is_same_origin(
            &with(&[("origin", "null"), ("sec-fetch-site", "same-origin")]),
            ours
        ));
        assert!(!is_same_origin(&with(&[("origin", "null")]), ours));
        assert!(is_same_origin(&with(&[]), ours));
        assert!(!is_same_origin(
            &with(&[("sec-fetch-site", "cross-site")]),
            ours
        ));
    }
}
