//! Security headers (ASVS 3.4): what every response carries, and the Content-Security-Policy of
//! a rendered page, which admits exactly the inline scripts carrying that request's nonce.

use axum::http::{HeaderValue, header};
use axum::response::Response;

use crate::server::app::config::ServeConfig;

/// Headers every response carries. Pages set their own nonce-based CSP; anything else gets a
/// CSP that allows nothing.
pub fn add(config: &ServeConfig, res: &mut Response) {
    let headers = res.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'; base-uri 'none'"),
        );
    }
    if config.public_url.scheme() == "https" {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
}

/// Gives a rendered page a Content-Security-Policy that admits exactly the inline scripts
/// carrying this request's nonce. Runs in the page's reactive context; server function calls,
/// which have no nonce, keep the strict default.
pub fn provide_page_csp() {
    use leptos::prelude::use_context;
    if let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) && let Ok(value) = HeaderValue::from_str(&page_csp(&nonce))
    {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// The Content-Security-Policy of a page whose inline scripts carry `nonce`.
pub fn page_csp(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
         base-uri 'none'; object-src 'none'"
    )
}
