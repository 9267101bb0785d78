//! What a Client ID Metadata Document must be (draft-ietf-oauth-client-id-metadata-document,
//! sections 3 and 4; MCP authorization 2025-11-25, "Client ID Metadata Documents"): the URL
//! that serves as `client_id`, the document's contents, and how long a fetched copy is kept.

use std::time::Duration;

use serde::Deserialize;

use super::error::MetadataError;
use crate::server::oauth::register::{self, Checked, Registration};

/// Longest client id URL accepted, in bytes.
pub const MAX_URL: usize = 1_000;
/// A fetched document is kept at least this long, whatever its headers say, so that a
/// client cannot make us fetch on every request.
pub const MIN_CACHE: Duration = Duration::from_secs(30);
/// And at most this long, so a changed document is seen within a day.
pub const MAX_CACHE: Duration = Duration::from_secs(24 * 3600);
/// Kept this long when the response says nothing about caching.
pub const DEFAULT_CACHE: Duration = Duration::from_secs(300);

/// Whether `client_id` names a metadata document rather than a registered client: our own
/// ids never contain "://".
pub fn is_document_url(client_id: &str) -> bool {
    client_id.contains("://")
}

/// Checks a client id URL (section 3): https, with a path, no dot segments, no fragment, no
/// user name or password, and no query; written exactly as a URL parser writes it back, so
/// the string compared with the document's `client_id` is the string that was fetched.
pub fn check_url(client_id: &str) -> Result<url::Url, MetadataError> {
    let bad = |why: &'static str| MetadataError::BadUrl(why);
    if client_id.len() > MAX_URL {
        return Err(bad("it is longer than 1,000 characters"));
    }
    let url = url::Url::parse(client_id).map_err(|_| bad("it is not a URL"))?;
    if url.scheme() != "https" {
        return Err(bad("it must use https"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("it must not contain a user name or password"));
    }
    if url.fragment().is_some() {
        return Err(bad("it must not contain a fragment"));
    }
    if url.query().is_some() {
        return Err(bad("it must not contain a query"));
    }
    if url.path() == "/" {
        return Err(bad("it must have a path"));
    }
    if url.as_str() != client_id {
        return Err(bad(
            "it must be written in normal form (lowercase host, no default port, no dot segments)",
        ));
    }
    Ok(url)
}

/// A document's contents: the client metadata of RFC 7591 plus its own URL.
#[derive(Deserialize)]
struct Document {
    client_id: String,
    client_secret: Option<serde_json::Value>,
    client_secret_expires_at: Option<serde_json::Value>,
    #[serde(flatten)]
    metadata: Registration,
}

/// Parses and checks a fetched document for the client id it was fetched from (section 4).
pub fn check_document(client_id: &str, body: &[u8]) -> Result<Checked, MetadataError> {
    let doc: Document = serde_json::from_slice(body).map_err(|err| {
        MetadataError::BadDocument(format!(
            "it is not a JSON object of client metadata ({err})"
        ))
    })?;
    if doc.client_id != client_id {
        return Err(MetadataError::BadDocument(
            "its client_id is not the URL it was fetched from".into(),
        ));
    }
    if doc.client_secret.is_some() || doc.client_secret_expires_at.is_some() {
        return Err(MetadataError::BadDocument(
            "it must not contain a client_secret".into(),
        ));
    }
    match doc.metadata.token_endpoint_auth_method.as_deref() {
        None | Some("none") => {}
        Some(method) => {
            return Err(MetadataError::BadDocument(format!(
                "token_endpoint_auth_method \"{method}\" is not accepted; a metadata document \
                 client is public (\"none\")"
            )));
        }
    }
    let mut metadata = doc.metadata;
    metadata.token_endpoint_auth_method = Some("none".into());
    let checked = register::check(metadata)
        .map_err(|err| MetadataError::BadDocument(err.description().to_owned()))?;
    if checked.redirect_uris.is_empty() {
        return Err(MetadataError::BadDocument(
            "it must list its redirect_uris".into(),
        ));
    }
    Ok(checked)
}

/// How long a fetched document is kept: its `Cache-Control` max-age, clamped to
/// [`MIN_CACHE`]..=[`MAX_CACHE`]; `no-store` and `no-cache` keep it the minimum.
pub fn cache_lifetime(cache_control: Option<&str>) -> Duration {
    let Some(value) = cache_control else {
        return DEFAULT_CACHE;
    };
    let mut max_age = None;
    for directive in value.split(',').map(str::trim) {
        let (name, arg) = directive
            .split_once('=')
            .map_or((directive, None), |(n, a)| {
                (n.trim(), Some(a.trim().trim_matches('"')))
            });
        match name.to_ascii_lowercase().as_str() {
            "no-store" | "no-cache" => return MIN_CACHE,
            "max-age" => max_age = arg.and_then(|a| a.parse::<u64>().ok()),
            _ => {}
        }
    }
    max_age.map_or(DEFAULT_CACHE, |secs| {
        Duration::from_secs(secs).clamp(MIN_CACHE, MAX_CACHE)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::oauth::auth_method::AuthMethod;

    const URL: &str = "https://app.example/oauth/client.json";

    #[test]
    fn client_id_urls_follow_the_draft() {
        assert!(check_url(URL).is_ok());
        assert!(check_url("https://app.example:8443/c").is_ok());
        for bad in [
            "http://app.example/client.json",
            "https://app.example/",
            "https://app.example",
            "https://user:pw@app.example/c",
            "https://app.example/c#frag",
            "https://app.example/c?x=1",
            "https://app.example/a/../c",
            "https://app.example/./c",
            "https://APP.example/c",
            "https://app.example:443/c",
            "not a url",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
        assert!(check_url(&format!("https://app.example/{}", "a".repeat(1_000))).is_err());
    }

    fn doc(extra: serde_json::Value) -> Vec<u8> {
        let mut base = serde_json::json!({
            "client_id": URL,
            "client_name": "Example App",
            "redirect_uris": ["https://app.example/cb"],
        });
        base.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        serde_json::to_vec(&base).unwrap()
    }

    #[test]
    fn a_good_document_is_a_public_client() {
        let checked = check_document(URL, &doc(serde_json::json!({}))).unwrap();
        assert_eq!(checked.name, "Example App");
        assert_eq!(checked.auth_method, AuthMethod::None);
        assert_eq!(checked.redirect_uris.as_slice(), ["https://app.example/cb"]);
    }

    #[test]
    fn bad_documents_are_refused() {
        for extra in [
            serde_json::json!({"client_id": "https://other.example/client.json"}),
            serde_json::json!({"client_secret": "s3cret"}),
            serde_json::json!({"client_secret_expires_at": 0}),
            serde_json::json!({"token_endpoint_auth_method": "client_secret_basic"}),
            serde_json::json!({"token_endpoint_auth_method": "client_secret_post"}),
            serde_json::json!({"token_endpoint_auth_method": "client_secret_jwt"}),
            serde_json::json!({"redirect_uris": []}),
            serde_json::json!({"redirect_uris": ["http://app.example/cb"]}),
        ] {
            assert!(check_document(URL, &doc(extra.clone())).is_err(), "{extra}");
        }
        assert!(check_document(URL, b"[1,2]").is_err());
        assert!(check_document(URL, b"<html>").is_err());
    }

    #[test]
    fn cache_lifetimes_follow_the_headers_within_bounds() {
        let secs = |h: Option<&str>| cache_lifetime(h).as_secs();
        assert_eq!(secs(None), 300);
        assert_eq!(secs(Some("max-age=3600")), 3600);
        assert_eq!(secs(Some("public, max-age=5")), 30);
        assert_eq!(secs(Some("max-age=99999999")), 86_400);
        assert_eq!(secs(Some("no-store")), 30);
        assert_eq!(secs(Some("max-age=600, no-cache")), 30);
        assert_eq!(secs(Some("private")), 300);
        assert_eq!(secs(Some("max-age=\"120\"")), 120);
    }
}
