//! Client authentication (RFC 6749 section 2.3.1: HTTP Basic, or `client_id` and
//! `client_secret` in the body): the resource server that calls introspection, and registered
//! clients at the token and device endpoints (public ones identify themselves by `client_id`
//! alone).

use axum::http::{HeaderMap, header};
use base64::Engine;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::error::OAuthError;
use crate::grant_type::GrantType;
use crate::server::app::config::ServeConfig;
use crate::server::app::state::AppState;
use crate::server::db::clients::Client;
use crate::server::domain::secrets::hash;
use crate::server::oauth::client_metadata::{self, MetadataError};

/// Checks the caller's credentials against the resource-server client in the configuration.
pub fn authenticate_resource_server(
    headers: &HeaderMap,
    body_id: Option<&str>,
    body_secret: Option<&str>,
    config: &ServeConfig,
) -> Result<String, OAuthError> {
    let refused = || OAuthError::invalid_client("Client authentication failed.");
    let (id, secret) = match basic_credentials(headers) {
        Some(pair) => pair,
        None => match (body_id, body_secret) {
            (Some(id), Some(secret)) => (id.to_owned(), secret.to_owned()),
            _ => return Err(refused()),
        },
    };
    let (Some(expected_id), Some(expected_secret)) =
        (&config.resource_client_id, &config.resource_client_secret)
    else {
        return Err(refused());
    };
    let digest = |s: &str| Sha256::digest(s.as_bytes());
    let id_ok = digest(&id).ct_eq(&digest(expected_id));
    let secret_ok = digest(&secret).ct_eq(&digest(expected_secret));
    if bool::from(id_ok & secret_ok) {
        Ok(id)
    } else {
        Err(refused())
    }
}

/// The registered client making a token request. A confidential client must prove its
/// secret; a public one only names itself. A metadata document client (an https client id) is
/// resolved as at the authorization endpoint, and is always public.
pub async fn authenticate_client(
    state: &AppState,
    headers: &HeaderMap,
    body_id: Option<&str>,
    body_secret: Option<&str>,
) -> Result<Client, OAuthError> {
    let refused = || OAuthError::invalid_client("Client authentication failed.");
    let (id, secret) = match basic_credentials(headers) {
        Some((id, secret)) => (id, Some(secret)),
        None => (
            body_id
                .ok_or_else(|| OAuthError::invalid_request("client_id is required."))?
                .to_owned(),
            body_secret.map(str::to_owned),
        ),
    };
    let client = match client_metadata::find_client(state, &id, None).await {
        Ok(found) => found.ok_or_else(refused)?,
        Err(MetadataError::Database(err)) => return Err(err.into()),
        Err(err) => return Err(OAuthError::invalid_client(err.to_string())),
    };
    match (&client.secret_hash, secret) {
        (None, None) => Ok(client),
        (Some(stored), Some(given))
            if bool::from(stored.as_bytes().ct_eq(hash(&given).as_bytes())) =>
        {
            Ok(client)
        }
        _ => Err(refused()),
    }
}

/// The authenticated client of a token or device request, allowed `grant_type` by its
/// registration (RFC 6749 section 5.2: otherwise `unauthorized_client`).
pub async fn client_for_grant(
    state: &AppState,
    headers: &HeaderMap,
    body_id: Option<&str>,
    body_secret: Option<&str>,
    grant_type: GrantType,
) -> Result<Client, OAuthError> {
    let client = authenticate_client(state, headers, body_id, body_secret).await?;
    if client.may_use(grant_type) {
        Ok(client)
    } else {
        Err(OAuthError::unauthorized_client(format!(
            "This client is not registered for the grant type \"{grant_type}\"."
        )))
    }
}

/// Whether the request carries HTTP Basic client credentials, well formed or not.
pub fn has_basic_credentials(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .is_some_and(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
}

/// `Authorization: Basic base64(urlencode(id) ":" urlencode(secret))`.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((unescape(id)?, unescape(secret)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> ServeConfig {
        let mut config = ServeConfig::defaults("sqlite::memory:");
        config.resource_client_id = Some("resource-server".into());
        config.resource_client_secret = Some("resource-secret".into());
        config
    }

    fn basic(id: &str, secret: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
        headers.insert(
            header::AUTHORIZATION,
            format!("Basic {encoded}").parse().unwrap(),
        );
        headers
    }

    #[test]
    fn basic_and_body_credentials_are_accepted() {
        let config = config();
        assert!(
            authenticate_resource_server(
                &basic("resource-server", "resource-secret"),
                None,
                None,
                &config
            )
            .is_ok()
        );
        assert!(
            authenticate_resource_server(
                &HeaderMap::new(),
                Some("resource-server"),
                Some("resource-secret"),
                &config
            )
            .is_ok()
        );
    }

    #[test]
    fn wrong_or_missing_credentials_are_refused() {
        let config = config();
        for headers in [
            basic("resource-server", "nope"),
            basic("other", "resource-secret"),
            HeaderMap::new(),
        ] {
            let err = authenticate_resource_server(&headers, None, None, &config).unwrap_err();
            assert_eq!(err.code(), "invalid_client");
        }
        let mut unconfigured = config;
        unconfigured.resource_client_id = None;
        unconfigured.resource_client_secret = None;
        assert!(
            authenticate_resource_server(
                &basic("resource-server", "resource-secret"),
                None,
                None,
                &unconfigured
            )
            .is_err()
        );
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    fn header(value: &str) -> Option<HeaderMap> {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, value.parse().ok()?);
        Some(headers)
    }

    proptest! {
        #[test]
        fn any_authorization_header_is_read_without_panicking(value in any::<String>()) {
            if let Some(headers) = header(&value) {
                let _ = basic_credentials(&headers);
                let _ = has_basic_credentials(&headers);
            }
        }

        #[test]
        fn any_base64_payload_is_read_without_panicking(payload in any::<Vec<u8>>()) {
            let encoded = base64::engine::general_purpose::STANDARD.encode(payload);
            let headers = header(&format!("Basic {encoded}")).unwrap();
            prop_assert!(has_basic_credentials(&headers));
            let _ = basic_credentials(&headers);
        }

        #[test]
        fn encoded_credentials_round_trip(id in any::<String>(), secret in any::<String>()) {
            // RFC 6749 section 2.3.1: each part is form-urlencoded before Base64.
            let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
            let encoded = base64::engine::general_purpose::STANDARD
                .encode(format!("{}:{}", encode(&id), encode(&secret)));
            let headers = header(&format!("basic {encoded}")).unwrap();
            prop_assert_eq!(basic_credentials(&headers), Some((id, secret)));
        }
    }
}
