//! The authorization request (RFC 6749 section 4.1.1 with PKCE, RFC 7636), checked in the
//! order RFC 9700 section 2.1 asks: the client and its exact redirect URI first, and a bad one is
//! shown, never redirected to; then the response type, PKCE S256, the scopes and the resource
//! indicator (RFC 8707), whose errors go back to the client (RFC 6749 section 4.1.2.1) with
//! `iss` (RFC 9207), but only for a person who approved that client before ([`for_visitor`]).
//! A refusal shown on our page carries the status it means. The consent page and the decision
//! both check the request here.

use axum::http::StatusCode;

use crate::grant_type::GrantType;
use crate::language::{Locale, td_string};
use crate::model::AuthorizeParams;
use crate::scopes::{Scope, Scopes, described, normalize};
use crate::server::app::state::AppState;
use crate::server::db;
use crate::server::db::clients::Client;
use crate::server::db::grants;
use crate::server::db::ids::{ClientId, UserId};
use crate::server::oauth::client_metadata::{self, MetadataError};
use crate::server::oauth::error::ErrorCode;

/// Seconds a visitor is asked to wait (`Retry-After`) when a client metadata document could
/// not be fetched.
pub const FETCH_RETRY_AFTER: u64 = 10;

/// Why a request goes no further.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Shown on our page: the client or redirect URI cannot be trusted with a redirect, or
    /// the request cannot be served now.
    Show(Shown),
    /// An RFC 6749 section 4.1.2.1 error for the (verified) redirect URI of `client_id`.
    /// Anyone can register any redirect URI, so it goes there only for a person who approved
    /// that client before; for anyone else [`for_visitor`] turns it into a page of ours
    /// (RFC 9700 section 4.11.2).
    SendBack {
        url: String,
        description: String,
        client_id: ClientId,
    },
    /// The database is busy: a 503 to retry, never a decision.
    Unavailable,
}

/// A refusal shown on our page: its words and the HTTP status they mean, with the seconds to
/// wait (`Retry-After`) when waiting helps.
#[derive(Debug, PartialEq, Eq)]
pub struct Shown {
    pub status: StatusCode,
    pub retry_after: Option<u64>,
    pub message: String,
}

impl Shown {
    /// A request that will not succeed as it is: 400.
    pub fn bad_request(message: &str) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            retry_after: None,
            message: message.to_owned(),
        }
    }
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

/// An error of a request whose client and redirect URI are trusted: an RFC 6749 section
/// 4.1.2.1 `error` code and its description.
struct Invalid {
    error: ErrorCode,
    description: String,
}

fn invalid(error: ErrorCode, description: impl Into<String>) -> Invalid {
    Invalid {
        error,
        description: description.into(),
    }
}

/// What the rest of the request asks for, once it is valid.
struct Asked {
    code_challenge: String,
    scopes: Vec<Scope>,
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
/// `addr` is the visitor's address when a metadata document fetch should count against it;
/// a refusal shown to the person is worded in `locale`.
pub async fn check(
    state: &AppState,
    params: &AuthorizeParams,
    addr: Option<std::net::IpAddr>,
    locale: Locale,
) -> Result<ValidRequest, Refusal> {
    let client = find_client(state, params.client_id.as_deref(), addr, locale).await?;
    let (redirect_uri, redirect_to) =
        choose_redirect(&client, params.redirect_uri.as_deref(), locale)?;
    let asked =
        check_asked(&state.catalogue, &client, params).map_err(|invalid| Refusal::SendBack {
            url: error_redirect(
                &redirect_to,
                invalid.error,
                &invalid.description,
                params.state.as_deref(),
                &state.config.public_base(),
            ),
            description: invalid.description,
            client_id: client.id.clone().into(),
        })?;
    Ok(ValidRequest {
        client,
        redirect_uri,
        redirect_to,
        scopes: asked.scopes,
        state: params.state.clone(),
        code_challenge: asked.code_challenge,
        resource: params.resource.clone(),
    })
}

/// What `refusal` becomes for the visitor, `user_id` when signed in: an error goes back to
/// the client only if this person has approved that client before (a grant of theirs for it,
/// live or past); for anyone else it is shown here with a 400, never redirected (RFC 9700
/// section 4.11.2), since whoever registered the client chose where it would send them.
pub async fn for_visitor(
    state: &AppState,
    refusal: Refusal,
    user_id: Option<&UserId>,
    locale: Locale,
) -> Refusal {
    let Refusal::SendBack {
        url,
        description,
        client_id,
    } = refusal
    else {
        return refusal;
    };
    let approved_before = match user_id {
        None => false,
        Some(user_id) => match grants::exists_for_client(&state.db, user_id, &client_id).await {
            Ok(found) => found,
            Err(err) if db::is_busy(&err) => {
                tracing::warn!(%err, "grant lookup: database busy");
                return Refusal::Unavailable;
            }
            Err(err) => {
                tracing::error!(%err, "grant lookup failed");
                return Refusal::Show(Shown {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    retry_after: None,
                    message: td_string!(locale, common.error_internal).to_owned(),
                });
            }
        },
    };
    if approved_before {
        return Refusal::SendBack {
            url,
            description,
            client_id,
        };
    }
    tracing::info!(client = %client_id, %description, "authorization request refused on our page");
    show(td_string!(locale, oauth.request_not_valid))
}

fn show(message: &str) -> Refusal {
    Refusal::Show(Shown::bad_request(message))
}

/// The client the request names: registered, or a metadata document fetched and checked.
async fn find_client(
    state: &AppState,
    client_id: Option<&str>,
    addr: Option<std::net::IpAddr>,
    locale: Locale,
) -> Result<Client, Refusal> {
    let client_id = client_id.ok_or_else(|| show(td_string!(locale, oauth.no_client_id)))?;
    client_metadata::find_client(state, client_id, addr)
        .await
        .map_err(|err| match err {
            MetadataError::Database(err) if db::is_busy(&err) => {
                tracing::warn!(%err, "client lookup: database busy");
                Refusal::Unavailable
            }
            MetadataError::Database(err) => {
                tracing::error!(%err, "client lookup failed");
                Refusal::Show(Shown {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    retry_after: None,
                    message: td_string!(locale, common.error_internal).to_owned(),
                })
            }
            other => {
                tracing::info!(client = %client_id, reason = %other, "client metadata document refused");
                // Fetching again may work later; anything else is the document's or the
                // URL's fault, and asking again will not change it.
                let (status, retry_after) = match &other {
                    MetadataError::RateLimited(wait) => {
                        (StatusCode::TOO_MANY_REQUESTS, Some(*wait))
                    }
                    MetadataError::Unreachable(_) => {
                        (StatusCode::SERVICE_UNAVAILABLE, Some(FETCH_RETRY_AFTER))
                    }
                    _ => (StatusCode::BAD_REQUEST, None),
                };
                Refusal::Show(Shown {
                    status,
                    retry_after,
                    message: other.to_string(),
                })
            }
        })?
        .ok_or_else(|| {
            show(td_string!(locale, oauth.not_registered))
        })
}

/// The redirect URI the answer goes to: the one the request names, if the client registered
/// it, or the client's only one when the request names none. Returned as given and parsed.
fn choose_redirect(
    client: &Client,
    given: Option<&str>,
    locale: Locale,
) -> Result<(String, url::Url), Refusal> {
    let unregistered = || show(td_string!(locale, oauth.unregistered_redirect));
    let registered = client.redirect_uris.as_slice();
    let redirect_uri = match (given, registered) {
        (Some(given), _) if registered.iter().any(|r| redirect_matches(r, given)) => {
            given.to_owned()
        }
        (None, [only]) => only.clone(),
        _ => return Err(unregistered()),
    };
    let redirect_to = url::Url::parse(&redirect_uri).map_err(|_| unregistered())?;
    Ok((redirect_uri, redirect_to))
}

/// Everything after the client and redirect URI, in order.
fn check_asked(
    catalogue: &[Scope],
    client: &Client,
    params: &AuthorizeParams,
) -> Result<Asked, Invalid> {
    check_grant(client, params.response_type.as_deref())?;
    let code_challenge = check_pkce(
        params.code_challenge.as_deref(),
        params.code_challenge_method.as_deref(),
    )?;
    let scopes = check_scopes(catalogue, params.scope.as_deref())?;
    check_resource(params.resource.as_deref())?;
    Ok(Asked {
        code_challenge,
        scopes,
    })
}

/// `response_type=code`, from a client registered for the authorization code grant.
fn check_grant(client: &Client, response_type: Option<&str>) -> Result<(), Invalid> {
    if response_type != Some("code") {
        return Err(invalid(
            ErrorCode::UnsupportedResponseType,
            "Only response_type=code is supported.",
        ));
    }
    if !client.may_use(GrantType::AuthorizationCode) {
        return Err(invalid(
            ErrorCode::UnauthorizedClient,
            "This client is not registered for the authorization code grant.",
        ));
    }
    Ok(())
}

/// A PKCE S256 challenge (RFC 7636 section 4.2): 43 base64url characters.
fn check_pkce(challenge: Option<&str>, method: Option<&str>) -> Result<String, Invalid> {
    let Some(challenge) = challenge else {
        return Err(invalid(
            ErrorCode::InvalidRequest,
            "PKCE is required: send code_challenge with code_challenge_method=S256.",
        ));
    };
    if method != Some("S256") {
        return Err(invalid(
            ErrorCode::InvalidRequest,
            "Only code_challenge_method=S256 is supported.",
        ));
    }
    if challenge.len() != 43
        || !challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(invalid(
            ErrorCode::InvalidRequest,
            "code_challenge must be the base64url SHA-256 of the verifier.",
        ));
    }
    Ok(challenge.to_owned())
}

/// At least one scope, every one in the catalogue; in catalogue order.
fn check_scopes(catalogue: &[Scope], scope: Option<&str>) -> Result<Vec<Scope>, Invalid> {
    let requested = Scopes::parse(scope.unwrap_or_default());
    if requested.is_empty() {
        return Err(invalid(
            ErrorCode::InvalidScope,
            "Ask for at least one scope.",
        ));
    }
    let names = normalize(catalogue, &requested)
        .map_err(|unknown| invalid(ErrorCode::InvalidScope, unknown.to_string()))?;
    Ok(described(catalogue, &names))
}

fn check_resource(resource: Option<&str>) -> Result<(), Invalid> {
    match resource {
        Some(resource) if !is_resource_indicator(resource) => Err(invalid(
            ErrorCode::InvalidTarget,
            "resource must be an absolute URI without a fragment (RFC 8707).",
        )),
        _ => Ok(()),
    }
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
        && crate::server::domain::redirect_uris::is_loopback(&a)
        && a.scheme() == b.scheme()
        && a.host() == b.host()
        && a.path() == b.path()
        && a.query() == b.query()
        && b.fragment().is_none()
}

/// `redirect_to` with the given query parameters added, the `None` ones left out.
pub fn with_params(redirect_to: &url::Url, params: &[(&str, Option<&str>)]) -> String {
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
    error: ErrorCode,
    description: &str,
    state: Option<&str>,
    issuer: &str,
) -> String {
    with_params(
        redirect_to,
        &[
            ("error", Some(error.as_str())),
            ("error_description", Some(description)),
            ("state", state),
            ("iss", Some(issuer)),
        ],
    )
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
            ErrorCode::AccessDenied,
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
