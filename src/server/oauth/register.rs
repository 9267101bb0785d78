//! `POST /oauth2/register`: dynamic client registration (RFC 7591). Public clients (method
//! `none`) get only an id; confidential ones also get a secret, shown once and stored as
//! SHA-256. Redirect URIs are checked and stored by [`RedirectUris`] (https, or http on a
//! loopback address, RFC 8252 section 7.3). `application_type` (OpenID Connect Dynamic Client
//! Registration 1.0, section 2) is recorded: `web` clients redirect over https only, `native`
//! ones may use a loopback address; without it, a client with a loopback redirect URI is taken
//! as native. Client ID Metadata Documents carry the same metadata and pass the same checks.

use axum::Extension;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Json, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::auth_method::AuthMethod;
use super::error::OAuthError;
use crate::grant_type::{GrantType, GrantTypes};
use crate::server::app::state::AppState;
use crate::server::db::clients::{self, ApplicationType, Client, ClientOrigin};
use crate::server::domain::ratelimit::Action;
use crate::server::domain::redirect_uris::RedirectUris;
use crate::server::domain::secrets::{hash, new_id, new_secret};
use crate::server::web::ClientAddr;

/// Longest client name kept, in characters.
const MAX_NAME: usize = 100;

/// The client metadata we read (RFC 7591 section 2); anything else is ignored.
#[derive(Debug, Deserialize)]
pub struct Registration {
    client_name: Option<String>,
    #[serde(default)]
    redirect_uris: Vec<String>,
    grant_types: Option<Vec<String>>,
    response_types: Option<Vec<String>>,
    pub(crate) token_endpoint_auth_method: Option<String>,
    application_type: Option<String>,
}

/// The registration response (RFC 7591 section 3.2.1).
#[derive(Serialize)]
struct Registered {
    client_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret: Option<String>,
    client_id_issued_at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret_expires_at: Option<i64>,
    /// Left out when the client gave none: nothing was registered.
    #[serde(skip_serializing_if = "Option::is_none")]
    client_name: Option<String>,
    redirect_uris: Vec<String>,
    grant_types: Vec<GrantType>,
    response_types: Vec<String>,
    token_endpoint_auth_method: AuthMethod,
    application_type: &'static str,
}

pub async fn register(
    State(state): State<AppState>,
    Extension(ClientAddr(addr)): Extension<ClientAddr>,
    body: Result<Json<Registration>, JsonRejection>,
) -> Result<Response, OAuthError> {
    state
        .limits
        .check(Action::RegisterClient, addr)
        .await
        .map_err(OAuthError::too_many_requests)?;
    let Json(req) =
        body.map_err(|rejection| OAuthError::invalid_client_metadata(rejection.body_text()))?;
    let checked = check(req)?;
    let secret = checked.auth_method.has_secret().then(|| new_secret("acs_"));
    let client = Client {
        id: new_id("client_"),
        name: checked.name,
        secret_hash: secret.as_deref().map(hash),
        redirect_uris: checked.redirect_uris.clone(),
        grant_types: GrantTypes::new(checked.grant_types.clone()),
        created_at: state.now(),
        origin: ClientOrigin::Registered,
        application_type: checked.application_type,
        metadata_expires_at: None,
    };
    clients::insert(&state.db, &client).await?;
    tracing::info!(client = %client.id, name = %client.name, %addr, "client registered");
    let body = Registered {
        client_secret_expires_at: secret.as_ref().map(|_| 0),
        client_secret: secret,
        client_id: client.id,
        client_id_issued_at: client.created_at,
        client_name: Some(client.name).filter(|name| !name.is_empty()),
        response_types: if checked.grant_types.contains(&GrantType::AuthorizationCode) {
            vec!["code".into()]
        } else {
            Vec::new()
        },
        redirect_uris: checked.redirect_uris.as_slice().to_vec(),
        grant_types: checked.grant_types,
        token_endpoint_auth_method: checked.auth_method,
        application_type: checked.application_type.as_str(),
    };
    let mut res = (StatusCode::CREATED, Json(body)).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

/// Registration metadata after validation.
#[derive(Debug, PartialEq)]
pub struct Checked {
    pub name: String,
    pub redirect_uris: RedirectUris,
    pub grant_types: Vec<GrantType>,
    pub auth_method: AuthMethod,
    pub application_type: ApplicationType,
}

/// Checks client metadata, from a registration request or a metadata document.
pub fn check(req: Registration) -> Result<Checked, OAuthError> {
    let name = req
        .client_name
        .map(|n| {
            n.chars()
                .filter(|c| !c.is_control())
                .take(MAX_NAME)
                .collect::<String>()
                .trim()
                .to_owned()
        })
        // None given, none stored: the pages call it "Unnamed application" in the reader's
        // language (`security_log::application_name`).
        .unwrap_or_default();
    // RFC 7591 section 2: without grant_types the client uses the authorization code grant.
    let names = req
        .grant_types
        .unwrap_or_else(|| vec![GrantType::AuthorizationCode.as_str().into()]);
    if names.is_empty() {
        return Err(OAuthError::invalid_client_metadata(
            "grant_types must name at least one grant type.",
        ));
    }
    let grant_types = names
        .iter()
        .map(|name| registrable(name))
        .collect::<Result<Vec<_>, _>>()?;
    let uses_redirects = grant_types.contains(&GrantType::AuthorizationCode);
    if let Some(types) = &req.response_types
        && types.iter().any(|t| t != "code")
    {
        return Err(OAuthError::invalid_client_metadata(
            "Only the response type \"code\" is supported.",
        ));
    }
    if uses_redirects && req.redirect_uris.is_empty() {
        return Err(OAuthError::invalid_redirect_uri(
            "The authorization code grant needs at least one redirect URI.",
        ));
    }
    let redirect_uris = RedirectUris::new(req.redirect_uris)
        .map_err(|err| OAuthError::invalid_redirect_uri(err.to_string()))?;
    let application_type = application_type(req.application_type.as_deref(), &redirect_uris)?;
    let auth_method = match req.token_endpoint_auth_method.as_deref() {
        None => AuthMethod::ClientSecretBasic,
        Some(name) => AuthMethod::parse(name).ok_or_else(|| {
            OAuthError::invalid_client_metadata(format!(
                "token_endpoint_auth_method \"{name}\" is not supported; use none, client_secret_basic or client_secret_post."
            ))
        })?,
    };
    Ok(Checked {
        name,
        redirect_uris,
        grant_types,
        auth_method,
        application_type,
    })
}

/// The application type as given, or inferred from the redirect URIs when absent; a `web`
/// application may not redirect to a loopback address (OpenID Connect Dynamic Client
/// Registration 1.0, section 2).
fn application_type(
    given: Option<&str>,
    redirect_uris: &RedirectUris,
) -> Result<ApplicationType, OAuthError> {
    let loopback = redirect_uris.as_slice().iter().any(|uri| {
        url::Url::parse(uri).is_ok_and(|u| crate::server::domain::redirect_uris::is_loopback(&u))
    });
    match given.map(|name| (name, ApplicationType::parse(name))) {
        None if loopback => Ok(ApplicationType::Native),
        None => Ok(ApplicationType::Web),
        Some((_, Some(ApplicationType::Web))) if loopback => Err(OAuthError::invalid_redirect_uri(
            "A web application cannot redirect to a loopback address; register it with \
                 \"application_type\": \"native\".",
        )),
        Some((_, Some(kind))) => Ok(kind),
        Some((name, None)) => Err(OAuthError::invalid_client_metadata(format!(
            "application_type \"{name}\" is not supported; use web or native."
        ))),
    }
}

/// A grant type a client may register for, or why not.
fn registrable(name: &str) -> Result<GrantType, OAuthError> {
    match GrantType::parse(name) {
        Some(grant_type) if GrantType::REGISTRABLE.contains(&grant_type) => Ok(grant_type),
        parsed => {
            let hint = if parsed == Some(GrantType::AgentCode) {
                " Agent auth codes need no registration."
            } else {
                ""
            };
            let allowed: Vec<&str> = GrantType::REGISTRABLE.map(GrantType::as_str).to_vec();
            Err(OAuthError::invalid_client_metadata(format!(
                "The grant type \"{name}\" cannot be registered; use {}.{hint}",
                allowed.join(", ")
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registration(json: &str) -> Registration {
        serde_json::from_str(json).unwrap()
    }

    fn with_redirect_uris(uris: &[&str]) -> Result<Checked, OAuthError> {
        check(registration(
            &serde_json::json!({ "redirect_uris": uris }).to_string(),
        ))
    }

    #[test]
    fn redirect_uris_are_https_or_loopback_http() {
        for good in [
            "https://app.example/cb",
            "http://127.0.0.1:8123/cb",
            "http://[::1]/cb",
            "http://localhost:9/x",
        ] {
            assert!(with_redirect_uris(&[good]).is_ok(), "{good}");
        }
        for bad in [
            "http://app.example/cb",
            "https://app.example/cb#x",
            "/relative",
            "javascript:alert(1)",
            "custom:x",
        ] {
            assert_eq!(
                with_redirect_uris(&[bad]).unwrap_err().code(),
                "invalid_redirect_uri",
                "{bad}"
            );
        }
    }

    #[test]
    fn a_uri_cannot_smuggle_a_second_one() {
        for smuggled in [
            "https://a.example/cb javascript:alert(1)",
            "https://a.example/cb http://evil.example/cb",
            "https://a.example/cb\thttp://evil.example/cb",
            "https://a.example/cb\nhttp://evil.example/cb",
        ] {
            assert_eq!(
                with_redirect_uris(&[smuggled]).unwrap_err().code(),
                "invalid_redirect_uri",
                "{smuggled:?}"
            );
        }
        let ten_with_a_hidden_eleventh: Vec<String> = (0..10)
            .map(|i| format!("https://a.example/{i}"))
            .chain(["https://a.example/x https://a.example/y".to_owned()])
            .collect();
        let uris: Vec<&str> = ten_with_a_hidden_eleventh
            .iter()
            .map(String::as_str)
            .collect();
        assert!(with_redirect_uris(&uris[1..]).is_err());
        let checked = with_redirect_uris(&uris[..10]).unwrap();
        assert_eq!(
            checked.redirect_uris.as_slice(),
            &ten_with_a_hidden_eleventh[..10]
        );
    }

    #[test]
    fn metadata_defaults_follow_rfc_7591() {
        let checked = check(registration(
            r#"{"redirect_uris":["https://a.example/cb"]}"#,
        ))
        .unwrap();
        assert_eq!(checked.grant_types, [GrantType::AuthorizationCode]);
        assert_eq!(checked.auth_method, AuthMethod::ClientSecretBasic);
        assert_eq!(
            checked.name, "",
            "no name is made up; the pages translate its label"
        );
        assert_eq!(checked.application_type, ApplicationType::Web);
    }

    #[test]
    fn the_application_type_is_recorded_or_inferred() {
        let kind = |json: &str| check(registration(json)).map(|c| c.application_type);
        assert_eq!(
            kind(r#"{"redirect_uris":["http://127.0.0.1/cb"]}"#).unwrap(),
            ApplicationType::Native
        );
        assert_eq!(
            kind(r#"{"redirect_uris":["https://a.example/cb"],"application_type":"native"}"#)
                .unwrap(),
            ApplicationType::Native
        );
        assert_eq!(
            kind(r#"{"redirect_uris":["http://localhost:9/cb"],"application_type":"web"}"#)
                .unwrap_err()
                .code(),
            "invalid_redirect_uri"
        );
        assert_eq!(
            kind(r#"{"redirect_uris":["https://a.example/cb"],"application_type":"tv"}"#)
                .unwrap_err()
                .code(),
            "invalid_client_metadata"
        );
    }

    #[test]
    fn bad_metadata_is_refused_with_the_right_error() {
        let cases = [
            (r#"{}"#, "invalid_redirect_uri"),
            (r#"{"grant_types":["password"]}"#, "invalid_client_metadata"),
            (
                r#"{"grant_types":["implicit"],"redirect_uris":["https://a.example"]}"#,
                "invalid_client_metadata",
            ),
            (r#"{"grant_types":[]}"#, "invalid_client_metadata"),
            (
                r#"{"redirect_uris":["https://a.example"],"response_types":["token"]}"#,
                "invalid_client_metadata",
            ),
            (
                r#"{"redirect_uris":["https://a.example"],"token_endpoint_auth_method":"private_key_jwt"}"#,
                "invalid_client_metadata",
            ),
        ];
        for (json, error) in cases {
            assert_eq!(
                check(registration(json)).unwrap_err().code(),
                error,
                "{json}"
            );
        }
        let device_only = check(registration(
            r#"{"client_name":" TV app ","grant_types":["urn:ietf:params:oauth:grant-type:device_code"],"token_endpoint_auth_method":"none"}"#,
        ))
        .unwrap();
        assert_eq!(device_only.name, "TV app");
        assert!(device_only.redirect_uris.is_empty());
    }
}
