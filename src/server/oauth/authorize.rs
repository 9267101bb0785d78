//! The authorization endpoint (RFC 6749 section 4.1 with PKCE, RFC 7636, as OAuth 2.1 and
//! RFC 9700 section 2.1 require): the client and its exact redirect URI are checked before
//! anything else and a bad one is shown, never redirected to; PKCE S256 is required; the
//! person's decision returns to the client with `code`, `state` and `iss` (RFC 9207).

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use leptos::prelude::*;
use serde::Deserialize;
use tower_sessions::Session;

use crate::grant_type::GrantType;
use crate::model::AuthorizeParams;
use crate::scopes::{Scope, Scopes, described, normalize};
use crate::server::auth::session;
use crate::server::db;
use crate::server::db::authorization_codes::{self, AuthorizationCode};
use crate::server::db::clients::{self, Client};
use crate::server::db::events::{self, EventKind};
use crate::server::state::AppState;
use crate::server::tokens::{hash, new_secret};

/// Authorization codes are valid for 60 seconds.
pub const CODE_TTL: i64 = 60;

/// Why a request goes no further.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Shown on our page: the client or redirect URI cannot be trusted with a redirect.
    Show(String),
    /// Sent back to the (verified) redirect URI as an RFC 6749 section 4.1.2.1 error, but
    /// only to a signed-in person: for anyone else the `description` is shown on our page,
    /// so that open registration does not make this endpoint an open redirector.
    SendBack { url: String, description: String },
    /// The database is busy: a 503 to retry, never a decision.
    Unavailable,
}

/// A request that passed every check.
#[derive(Debug)]
pub struct ValidRequest {
    pub client: Client,
    /// The redirect URI exactly as the request named it (the token request must repeat it).
    pub redirect_uri: String,
    /// The same, parsed: where the answer goes.
    pub redirect_to: url::Url,
    pub scopes: Vec<Scope>,
    pub state: Option<String>,
    pub code_challenge: String,
    pub resource: Option<String>,
}

/// Reads the query of an authorization request. Repeated parameters are refused
/// (RFC 6749 section 3.1), as `None`.
pub fn parse_query(query: &str) -> Option<AuthorizeParams> {
    let mut params = AuthorizeParams::default();
    for (key, value) in url::form_urlencoded::parse(query.trim_start_matches('?').as_bytes()) {
        let slot = match &*key {
            "response_type" => &mut params.response_type,
            "client_id" => &mut params.client_id,
            "redirect_uri" => &mut params.redirect_uri,
            "scope" => &mut params.scope,
            "state" => &mut params.state,
            "code_challenge" => &mut params.code_challenge,
            "code_challenge_method" => &mut params.code_challenge_method,
            "resource" => &mut params.resource,
            _ => continue,
        };
        if slot.replace(value.into_owned()).is_some() {
            return None;
        }
    }
    Some(params)
}

/// Checks a request in the order RFC 9700 asks: client, then redirect URI, then the rest.
pub async fn check(state: &AppState, params: &AuthorizeParams) -> Result<ValidRequest, Refusal> {
    let show = |message: &str| Refusal::Show(message.to_owned());
    let client_id = params
        .client_id
        .as_deref()
        .ok_or_else(|| show("The application did not say who it is (no client_id)."))?;
    let client = clients::find(&state.db, client_id)
        .await
        .map_err(|err| {
            if db::is_busy(&err) {
                tracing::warn!(%err, "client lookup: database busy");
                return Refusal::Unavailable;
            }
            tracing::error!(%err, "client lookup failed");
            show("Something went wrong on our side. Try again in a moment.")
        })?
        .ok_or_else(|| {
            show("This application is not registered here, so it cannot ask for access.")
        })?;
    let registered = client.redirect_uris.as_slice();
    let redirect_uri = match (params.redirect_uri.as_deref(), registered) {
        (Some(given), _) if registered.iter().any(|r| redirect_matches(r, given)) => {
            given.to_owned()
        }
        (None, [only]) => only.clone(),
        _ => {
            return Err(show(
                "The application asked to send you to an address it did not register.",
            ));
        }
    };
    let redirect_to = url::Url::parse(&redirect_uri).map_err(|_| {
        show("The application asked to send you to an address it did not register.")
    })?;
    let issuer = state.config.public_base();
    let send_back = |error: &str, description: &str| Refusal::SendBack {
        url: error_redirect(
            &redirect_to,
            error,
            description,
            params.state.as_deref(),
            &issuer,
        ),
        description: description.to_owned(),
    };
    if params.response_type.as_deref() != Some("code") {
        return Err(send_back(
            "unsupported_response_type",
            "Only response_type=code is supported.",
        ));
    }
    if !client.may_use(GrantType::AuthorizationCode) {
        return Err(send_back(
            "unauthorized_client",
            "This client is not registered for the authorization code grant.",
        ));
    }
    let Some(code_challenge) = params.code_challenge.clone() else {
        return Err(send_back(
            "invalid_request",
            "PKCE is required: send code_challenge with code_challenge_method=S256.",
        ));
    };
    if params.code_challenge_method.as_deref() != Some("S256") {
        return Err(send_back(
            "invalid_request",
            "Only code_challenge_method=S256 is supported.",
        ));
    }
    if code_challenge.len() != 43
        || !code_challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(send_back(
            "invalid_request",
            "code_challenge must be the base64url SHA-256 of the verifier.",
        ));
    }
    let requested = Scopes::parse(params.scope.as_deref().unwrap_or_default());
    if requested.is_empty() {
        return Err(send_back("invalid_scope", "Ask for at least one scope."));
    }
    let names = normalize(&state.catalogue, &requested)
        .map_err(|message| send_back("invalid_scope", &message))?;
    let scopes = described(&state.catalogue, &names);
    if let Some(resource) = &params.resource
        && !is_resource_indicator(resource)
    {
        return Err(send_back(
            "invalid_target",
            "resource must be an absolute URI without a fragment (RFC 8707).",
        ));
    }
    Ok(ValidRequest {
        client,
        redirect_uri,
        redirect_to,
        scopes,
        state: params.state.clone(),
        code_challenge,
        resource: params.resource.clone(),
    })
}

/// An RFC 8707 resource indicator: an absolute URI without a fragment.
pub fn is_resource_indicator(value: &str) -> bool {
    url::Url::parse(value).is_ok_and(|u| u.fragment().is_none() && u.has_host())
}

/// Exact string match, except that a loopback http redirect may use any port (RFC 8252
/// section 7.3).
pub fn redirect_matches(registered: &str, given: &str) -> bool {
    if registered == given {
        return true;
    }
    let (Ok(a), Ok(b)) = (url::Url::parse(registered), url::Url::parse(given)) else {
        return false;
    };
    a.scheme() == "http"
        && crate::server::redirect_uris::is_loopback(&a)
        && a.scheme() == b.scheme()
        && a.host() == b.host()
        && a.path() == b.path()
        && a.query() == b.query()
        && b.fragment().is_none()
}

fn with_params(redirect_to: &url::Url, params: &[(&str, Option<&str>)]) -> String {
    let mut url = redirect_to.clone();
    {
        let mut query = url.query_pairs_mut();
        for (name, value) in params {
            if let Some(value) = value {
                query.append_pair(name, value);
            }
        }
    }
    url.to_string()
}

/// The client's redirect URI with an error (RFC 6749 section 4.1.2.1) and `iss` (RFC 9207).
pub fn error_redirect(
    redirect_to: &url::Url,
    error: &str,
    description: &str,
    state: Option<&str>,
    issuer: &str,
) -> String {
    with_params(
        redirect_to,
        &[
            ("error", Some(error)),
            ("error_description", Some(description)),
            ("state", state),
            ("iss", Some(issuer)),
        ],
    )
}

/// The decision the consent form posts.
#[derive(Debug, Deserialize)]
pub struct Decision {
    decision: String,
    confirm_high_risk: Option<String>,
    #[serde(flatten)]
    params: AuthorizeParams,
}

/// `POST /oauth2/authorize/decision`: the person approved or denied on the consent page.
/// The answer forwards the browser to the client with a page rather than a redirect, because
/// the portal's CSP (`form-action 'self'`) would stop a redirect after a form post.
pub async fn decide(
    State(state): State<AppState>,
    session: Session,
    Form(decision): Form<Decision>,
) -> Response {
    let user_id = match session::user_id(&session).await {
        Ok(Some(user)) => user,
        Ok(None) => {
            return refusal_page(
                &state,
                StatusCode::UNAUTHORIZED,
                "Your session has ended. Sign in and start again from the application.",
            );
        }
        Err(err) => {
            tracing::error!(%err, "session store error");
            return refusal_page(
                &state,
                StatusCode::SERVICE_UNAVAILABLE,
                "Something went wrong on our side. Try again in a moment.",
            );
        }
    };
    let valid = match check(&state, &decision.params).await {
        Ok(valid) => valid,
        Err(Refusal::Show(message)) => {
            return refusal_page(&state, StatusCode::BAD_REQUEST, &message);
        }
        Err(Refusal::SendBack { url, .. }) => return forward_page(&state, &url, "the application"),
        Err(Refusal::Unavailable) => {
            return refusal_page(
                &state,
                StatusCode::SERVICE_UNAVAILABLE,
                "Agent Connect is busy right now. Try again in a moment.",
            );
        }
    };
    let issuer = state.config.public_base();
    let now = state.now();
    if decision.decision != "approve" {
        record(
            &state,
            &user_id,
            EventKind::AuthorizationDenied,
            &valid.client.name,
            now,
        )
        .await;
        let url = error_redirect(
            &valid.redirect_to,
            "access_denied",
            "The person denied the request.",
            valid.state.as_deref(),
            &issuer,
        );
        return forward_page(&state, &url, &valid.client.name);
    }
    if valid.scopes.iter().any(|s| s.high_risk) && decision.confirm_high_risk.is_none() {
        return refusal_page(
            &state,
            StatusCode::BAD_REQUEST,
            "This application asks for a high-risk permission. Go back, tick the confirmation box, and approve again.",
        );
    }
    let code = new_secret("acac_");
    let row = AuthorizationCode {
        code_hash: hash(&code),
        client_id: valid.client.id.clone(),
        user_id: user_id.clone(),
        redirect_uri: valid.redirect_uri.clone(),
        code_challenge: valid.code_challenge.clone(),
        scopes: Scopes::from(
            valid
                .scopes
                .iter()
                .map(|s| s.name.clone())
                .collect::<Vec<_>>(),
        ),
        created_at: now,
        expires_at: now + CODE_TTL,
        used_at: None,
        grant_id: None,
        resource: valid.resource.clone(),
    };
    if let Err(err) = authorization_codes::insert(&state.db, &row).await {
        tracing::error!(%err, "could not store an authorization code");
        return refusal_page(
            &state,
            StatusCode::SERVICE_UNAVAILABLE,
            "Something went wrong on our side. Try again in a moment.",
        );
    }
    record(
        &state,
        &user_id,
        EventKind::AuthorizationApproved,
        &format!("{}: {}", valid.client.name, row.scopes),
        now,
    )
    .await;
    tracing::info!(client = %valid.client.id, user = %user_id, "authorization code issued");
    let url = with_params(
        &valid.redirect_to,
        &[
            ("code", Some(&code)),
            ("state", valid.state.as_deref()),
            ("iss", Some(&issuer)),
        ],
    );
    forward_page(&state, &url, &valid.client.name)
}

async fn record(state: &AppState, user_id: &str, kind: EventKind, detail: &str, now: i64) {
    if let Err(err) = events::record(&state.db, user_id, kind, detail, None, now).await {
        tracing::warn!(%err, "could not record a security event");
    }
}

/// A page that sends the browser on to `url` at once, with a link in case it does not.
fn forward_page(state: &AppState, url: &str, client_name: &str) -> Response {
    let (url, name) = (url.to_owned(), client_name.to_owned());
    page(
        state,
        StatusCode::OK,
        Some(&url),
        view! {
            <h1>"Returning you to " {name.clone()}</h1>
            <p class="lede">"If nothing happens, " <a href=url.clone()>"continue to " {name}</a> "."</p>
        },
    )
}

fn refusal_page(state: &AppState, status: StatusCode, message: &str) -> Response {
    let message = message.to_owned();
    page(
        state,
        status,
        None,
        view! {
            <h1>"This request can't continue"</h1>
            <div class="alert" role="alert"><p>{message}</p></div>
        },
    )
}

/// The answers of the decision endpoint: a whole document rendered (and escaped) by Leptos,
/// outside the router because no page of the portal is behind them.
fn page(
    state: &AppState,
    status: StatusCode,
    forward_to: Option<&str>,
    body: impl IntoView + 'static,
) -> Response {
    let refresh = forward_to.map(|url| format!("0;url={url}"));
    let html = view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <title>"Agent Connect"</title>
                <link rel="stylesheet" href=state.site.stylesheet.clone()/>
                {refresh.map(|content| view! { <meta http-equiv="refresh" content=content/> })}
            </head>
            <body>
                <main>
                    <section class="card narrow">{body}</section>
                </main>
            </body>
        </html>
    }
    .to_html();
    let mut res = (status, Html(html)).into_response();
    if status == StatusCode::SERVICE_UNAVAILABLE {
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(db::BUSY_RETRY_AFTER));
    }
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_match_exactly_except_loopback_ports() {
        assert!(redirect_matches(
            "https://app.example/cb",
            "https://app.example/cb"
        ));
        for other in [
            "https://app.example/cb/",
            "https://APP.example/cb",
            "https://app.example/Cb",
            "https://app.example/cb?x=1",
        ] {
            assert!(
                !redirect_matches("https://app.example/cb", other),
                "{other}"
            );
        }
        assert!(redirect_matches(
            "http://127.0.0.1/callback",
            "http://127.0.0.1:51234/callback"
        ));
        assert!(redirect_matches(
            "http://127.0.0.1:8000/callback",
            "http://127.0.0.1:9/callback"
        ));
        assert!(!redirect_matches(
            "http://127.0.0.1/callback",
            "http://127.0.0.1:5/other"
        ));
        assert!(!redirect_matches(
            "http://127.0.0.1/callback",
            "http://localhost:5/callback"
        ));
        assert!(!redirect_matches(
            "https://app.example:443/cb",
            "https://app.example:8443/cb"
        ));
    }

    #[test]
    fn repeated_parameters_are_refused() {
        assert!(parse_query("client_id=a&client_id=b").is_none());
        let params = parse_query("?response_type=code&client_id=a&state=x%20y&extra=1").unwrap();
        assert_eq!(params.state.as_deref(), Some("x y"));
        assert_eq!(params.client_id.as_deref(), Some("a"));
    }

    #[test]
    fn errors_go_back_with_state_and_issuer() {
        let url = error_redirect(
            &url::Url::parse("http://127.0.0.1:9/cb?app=1").unwrap(),
            "access_denied",
            "No.",
            Some("s 1"),
            "https://ac.example",
        );
        assert_eq!(
            url,
            "http://127.0.0.1:9/cb?app=1&error=access_denied&error_description=No.&state=s+1&iss=https%3A%2F%2Fac.example"
        );
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    const KNOWN: [&str; 8] = [
        "response_type",
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "code_challenge",
        "code_challenge_method",
        "resource",
    ];

    proptest! {
        #[test]
        fn any_query_is_read_without_panicking(query in any::<String>()) {
            let _ = parse_query(&query);
        }

        #[test]
        fn known_parameters_round_trip_and_repeats_are_refused(
            pairs in proptest::collection::vec((0..KNOWN.len(), any::<String>()), 0..8),
        ) {
            let query = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs.iter().map(|(k, v)| (KNOWN[*k], v)))
                .finish();
            let mut seen = std::collections::HashSet::new();
            let repeated = pairs.iter().any(|(k, _)| !seen.insert(*k));
            match parse_query(&query) {
                None => prop_assert!(repeated),
                Some(params) => {
                    prop_assert!(!repeated);
                    for (k, v) in &pairs {
                        let got = match KNOWN[*k] {
                            "response_type" => &params.response_type,
                            "client_id" => &params.client_id,
                            "redirect_uri" => &params.redirect_uri,
                            "scope" => &params.scope,
                            "state" => &params.state,
                            "code_challenge" => &params.code_challenge,
                            "code_challenge_method" => &params.code_challenge_method,
                            _ => &params.resource,
                        };
                        prop_assert_eq!(got.as_deref(), Some(v.as_str()));
                    }
                }
            }
        }
    }
}
