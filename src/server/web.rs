//! Cross-cutting HTTP layers: the client's address, security headers, the cross-site POST
//! check, and carrying form errors across the redirect that answers a form posted without
//! JavaScript (in the session, never in the URL).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use tower_sessions::Session;

use super::auth::session::{self, FormError};
use super::state::AppState;
use crate::error::AppError;

/// The address a request came from, after trusted proxies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// Works out [`ClientAddr`]: the peer, or, when the peer is a trusted proxy, the right-most
/// address in `X-Forwarded-For` that is not itself a trusted proxy.
pub async fn client_addr(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let addr = resolve_client(peer, req.headers(), &state.config.trusted_proxies);
    req.extensions_mut().insert(ClientAddr(addr));
    next.run(req).await
}

fn resolve_client(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .collect::<Vec<_>>();
    forwarded.into_iter().rev().find(|a| !trusted.contains(a)).unwrap_or(peer)
}

/// Headers every response carries. Pages set their own nonce-based CSP; anything else gets a
/// CSP that allows nothing.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let headers = res.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'; base-uri 'none'"),
        );
    }
    if state.config.public_url.scheme() == "https" {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    res
}

/// The Content-Security-Policy of a page whose inline scripts carry `nonce`.
pub fn page_csp(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
         base-uri 'none'; object-src 'none'"
    )
}

/// Refuses state-changing requests to the portal that come from another site (ASVS 3.5):
/// the `Origin` must be ours, and without one `Sec-Fetch-Site` must not say cross-site.
pub async fn same_origin_posts(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD && !is_same_origin(&req, &state) {
        tracing::warn!(path = %req.uri().path(), "cross-site request refused");
        return (StatusCode::FORBIDDEN, "Cross-site requests are not allowed.").into_response();
    }
    next.run(req).await
}

fn is_same_origin(req: &Request, state: &AppState) -> bool {
    let headers = req.headers();
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        Some(origin) => {
            let ours = state.config.public_url.origin().ascii_serialization();
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
            origin == ours
                || host.is_some_and(|host| {
                    origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")) == Some(host)
                })
        }
        None => headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) != Some("cross-site"),
    }
}

/// For server functions answered with a redirect (forms posted without JavaScript): moves the
/// error the framework would put in the URL (`__err`) into the session, and cleans the URL.
pub async fn form_errors_in_session(session: Session, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let Some(location) = res.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()) else {
        return res;
    };
    let Ok(mut url) = url::Url::parse(&format!("http://local{location}")).or_else(|_| url::Url::parse(location)) else {
        return res;
    };
    let mut action = None;
    let mut error = None;
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter_map(|(k, v)| match &*k {
            "__path" => {
                action = Some(v.into_owned());
                None
            }
            "__err" => {
                error = Some(v.into_owned());
                None
            }
            _ => Some((k.into_owned(), v.into_owned())),
        })
        .collect();
    if action.is_none() && error.is_none() {
        return res;
    }
    if let (Some(action), Some(error)) = (action, error) {
        let message = base64::engine::general_purpose::URL_SAFE
            .decode(error)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<AppError>(&bytes).ok())
            .unwrap_or(AppError::Internal)
            .to_string();
        if let Err(err) = session::set_form_error(&session, &FormError { action, message }).await {
            tracing::error!(%err, "could not keep a form error in the session");
        }
    }
    url.set_query(None);
    if !kept.is_empty() {
        url.query_pairs_mut().extend_pairs(kept);
    }
    let clean = if location.starts_with('/') {
        format!("{}{}", url.path(), url.query().map(|q| format!("?{q}")).unwrap_or_default())
    } else {
        url.to_string()
    };
    if let Ok(value) = HeaderValue::from_str(&clean) {
        res.headers_mut().insert(header::LOCATION, value);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_is_trusted_only_from_a_proxy() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "203.0.113.9, 198.51.100.4".parse().unwrap());
        assert_eq!(resolve_client(proxy, &headers, &[]), proxy);
        assert_eq!(resolve_client(proxy, &headers, &[proxy]), "198.51.100.4".parse::<IpAddr>().unwrap());
        let both: Vec<IpAddr> = vec![proxy, "198.51.100.4".parse().unwrap()];
        assert_eq!(resolve_client(proxy, &headers, &both), "203.0.113.9".parse::<IpAddr>().unwrap());
        headers.insert("x-forwarded-for", "not an address".parse().unwrap());
        assert_eq!(resolve_client(proxy, &headers, &[proxy]), proxy);
    }
}
