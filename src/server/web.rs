//! Cross-cutting HTTP layers: the client's address, the request body limit (RFC 9110 section
//! 15.5.14), security headers, the cross-site POST check, and carrying form errors across the
//! redirect that answers a form posted without JavaScript (in the session, never in the URL).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use tower_sessions::Session;

use super::auth::session::{self, FormError};
use super::ratelimit::Action;
use super::state::AppState;
use crate::error::AppError;
use crate::links::return_path::{RETURN_FIELD, on_public_origin};

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
    forwarded
        .into_iter()
        .rev()
        .find(|a| !trusted.contains(a))
        .unwrap_or(peer)
}

/// Reads every request body up front, to at most `max_body_bytes` (one limit for server
/// functions, OAuth endpoints and MCP), and answers 413 beyond it. A declared
/// `Content-Length` over the limit is refused before reading; a chunked body is cut off at
/// the limit. Reading here, rather than leaving the limit to each reader, keeps one answer:
/// server functions would otherwise report a cut-off body as unreadable input.
pub async fn limit_body(State(state): State<AppState>, req: Request, next: Next) -> Response {
    use http_body_util::{BodyExt, LengthLimitError, Limited};

    let limit = state.config.max_body_bytes;
    let too_large = || {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("The request body is larger than {limit} bytes."),
        )
            .into_response()
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return too_large();
    }
    let (parts, body) = req.into_parts();
    let bytes = match Limited::new(body, limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(err) if err.downcast_ref::<LengthLimitError>().is_some() => return too_large(),
        Err(err) => {
            tracing::debug!(%err, "request body could not be read");
            return (
                StatusCode::BAD_REQUEST,
                "The request body could not be read.",
            )
                .into_response();
        }
    };
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

/// Headers every response carries. Pages set their own nonce-based CSP; anything else gets a
/// CSP that allows nothing.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
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
    if state.config.public_url.scheme() == "https" {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    res
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

/// Refuses state-changing requests to the portal that come from another site (ASVS 3.5):
/// the `Origin` must be ours, and without one `Sec-Fetch-Site` must not say cross-site.
pub async fn same_origin_posts(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let public_origin = state.config.public_url.origin().ascii_serialization();
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

/// tower-sessions answers a session it could not save with a bare 500 (no headers, no
/// body); the only way to fail there is its database, so that becomes the 503 with
/// `Retry-After` every other busy-database answer is.
pub async fn unsaved_session_is_unavailable(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let bare =
        res.headers().is_empty() && axum::body::HttpBody::size_hint(res.body()).exact() == Some(0);
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR || !bare {
        return res;
    }
    tracing::warn!("session could not be saved: database unavailable");
    let mut res = (
        StatusCode::SERVICE_UNAVAILABLE,
        "Agent Connect is busy right now. Try again in a moment.",
    )
        .into_response();
    res.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(super::db::BUSY_RETRY_AFTER),
    );
    res
}

/// Shapes what server functions answer, for the two ways a page calls them:
/// - a form posted without JavaScript gets a redirect: the error the framework would put in
///   its URL (`__err`) moves into the session, and the URL stays clean and on this site;
/// - a call from the hydrated page gets the HTTP status of its [`AppError`] instead of the
///   framework's blanket 500, so a wrong password is a 400, not a server error.
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
    let res = next.run(req).await;
    if res.headers().contains_key(header::LOCATION) {
        return keep_form_error_in_session(&state, addr, session, res).await;
    }
    if res.status() == StatusCode::INTERNAL_SERVER_ERROR {
        return with_error_status(res).await;
    }
    res
}

/// A form posted without JavaScript carries no `Referer` (the pages send none), but the
/// framework answers it with a redirect to the `Referer`. Rebuilds one from the form's
/// `return_to` field, accepting only a path on this site.
async fn restore_referer(req: Request, public_base: &str) -> Result<Request, Response> {
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let wants_html = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    if req.method() != Method::POST
        || !is_form
        || !wants_html
        || req.headers().contains_key(header::REFERER)
    {
        return Ok(req);
    }
    let (mut parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map_err(|_| (StatusCode::PAYLOAD_TOO_LARGE, "That form is too large.").into_response())?;
    let referer = url::form_urlencoded::parse(&bytes)
        .find(|(key, _)| key == RETURN_FIELD)
        .and_then(|(_, path)| on_public_origin(public_base, &path));
    if let Some(value) = referer.and_then(|url| HeaderValue::from_str(&url).ok()) {
        parts.headers.insert(header::REFERER, value);
    }
    Ok(Request::from_parts(parts, axum::body::Body::from(bytes)))
}

async fn keep_form_error_in_session(
    state: &AppState,
    addr: Option<ClientAddr>,
    session: Session,
    mut res: Response,
) -> Response {
    let Some((clean, error)) = res
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(split_form_error)
    else {
        return res;
    };
    if let Some(error) = error
        && may_store_for(state, addr, &session)
        && let Err(err) = session::set_form_error(&session, &error).await
    {
        tracing::error!(%err, "could not keep a form error in the session");
    }
    if let Ok(value) = HeaderValue::from_str(&clean) {
        res.headers_mut().insert(header::LOCATION, value);
    }
    res
}

/// Whether something may be stored in `session`. A visitor without one gets a session only
/// within the anonymous-session limits (per address and in total), and it lives an hour: a
/// stranger cannot fill the session table. Beyond the limit the form's message is dropped,
/// nothing else.
fn may_store_for(state: &AppState, addr: Option<ClientAddr>, session: &Session) -> bool {
    if !session::is_new(session) {
        return true;
    }
    let Some(ClientAddr(addr)) = addr else {
        return false;
    };
    if state.limits.check(Action::StartSession, addr).is_err() {
        tracing::warn!("anonymous session limit reached; a form error was not kept");
        return false;
    }
    session::make_anonymous(session);
    true
}

/// Splits a redirect target into the path and query it keeps (never another site) and the
/// form error the framework encoded in it. `None` when there is nothing to take out.
fn split_form_error(location: &str) -> Option<(String, Option<FormError>)> {
    let base = url::Url::parse("http://portal.invalid/").expect("valid base");
    let url = base.join(location).ok()?;
    let (mut action, mut error) = (None, None);
    let mut kept = Vec::new();
    for (key, value) in url.query_pairs() {
        match &*key {
            "__path" => action = Some(value.into_owned()),
            "__err" => error = Some(value.into_owned()),
            _ => kept.push((key.into_owned(), value.into_owned())),
        }
    }
    if action.is_none() && error.is_none() {
        return None;
    }
    let form_error = action.zip(error).map(|(action, error)| {
        let message = base64::engine::general_purpose::URL_SAFE
            .decode(error)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<AppError>(&bytes).ok())
            .unwrap_or(AppError::Internal)
            .to_string();
        FormError { action, message }
    });
    let clean = if kept.is_empty() {
        url.path().to_owned()
    } else {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(kept)
            .finish();
        format!("{}?{query}", url.path())
    };
    Some((clean, form_error))
}

async fn with_error_status(res: Response) -> Response {
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "Internal error").into_response();
    };
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status =
            StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if let Some(wait) = err.retry_after() {
            parts
                .headers
                .insert(header::RETRY_AFTER, HeaderValue::from(wait));
        }
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_is_trusted_only_from_a_proxy() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "203.0.113.9, 198.51.100.4".parse().unwrap(),
        );
        assert_eq!(resolve_client(proxy, &headers, &[]), proxy);
        assert_eq!(
            resolve_client(proxy, &headers, &[proxy]),
            "198.51.100.4".parse::<IpAddr>().unwrap()
        );
        let both: Vec<IpAddr> = vec![proxy, "198.51.100.4".parse().unwrap()];
        assert_eq!(
            resolve_client(proxy, &headers, &both),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        headers.insert("x-forwarded-for", "not an address".parse().unwrap());
        assert_eq!(resolve_client(proxy, &headers, &[proxy]), proxy);
    }

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

    #[test]
    fn a_form_names_its_page_only_on_the_public_origin() {
        let restored = |return_to: &str| {
            let body = url::form_urlencoded::Serializer::new(String::new())
                .append_pair(RETURN_FIELD, return_to)
                .finish();
            let req = Request::post("/api/sign_in")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ACCEPT, "text/html")
                .body(axum::body::Body::from(body))
                .unwrap();
            let rt = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            let req = rt
                .block_on(restore_referer(req, "https://ac.example"))
                .unwrap();
            req.headers()
                .get(header::REFERER)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        assert_eq!(
            restored("/login?next=%2Fsecurity").as_deref(),
            Some("https://ac.example/login?next=%2Fsecurity")
        );
        for evil in [
            "//evil.example",
            "/\\evil.example",
            "/%5Cevil.example",
            "/\r\nx",
            "https://evil.example/",
        ] {
            assert_eq!(restored(evil), None, "{evil:?}");
        }
    }

    #[test]
    fn form_errors_leave_the_url() {
        let err = base64::engine::general_purpose::URL_SAFE
            .encode(serde_json::to_vec(&AppError::invalid("Nope.")).unwrap());
        let (clean, error) = split_form_error(&format!(
            "http://127.0.0.1:3000/login?next=%2Fsecurity&__path=/api/sign_in&__err={err}"
        ))
        .unwrap();
        assert_eq!(clean, "/login?next=%2Fsecurity");
        let error = error.unwrap();
        assert_eq!(
            (error.action.as_str(), error.message.as_str()),
            ("/api/sign_in", "Nope.")
        );
        assert!(split_form_error("/connect").is_none());
        assert_eq!(
            split_form_error("https://evil.example/x?__path=a")
                .unwrap()
                .0,
            "/x"
        );
    }
}
