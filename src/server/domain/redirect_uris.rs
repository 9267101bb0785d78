//! Redirect URIs of a registered client (RFC 7591 section 2, RFC 9700 section 2.1): each an
//! absolute https URI, or http on a loopback address (RFC 8252 section 7.3), without a
//! fragment, whitespace or control characters; at most [`MAX_REDIRECT_URIS`] per client.
//!
//! [`RedirectUris`] is the only way a list of them exists: built by validating at
//! registration, stored as a JSON array of exactly those strings, and validated again when
//! read back, so what the authorization endpoint trusts is what registration checked.

use std::net::IpAddr;

/// Most redirect URIs one client may register.
pub const MAX_REDIRECT_URIS: usize = 10;

/// Why a redirect URI (or a list of them) is refused; the text is shown to the developer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedirectUriError {
    #[error("Redirect URI \"{0}\": it must not contain whitespace or control characters.")]
    Whitespace(String),
    #[error("Redirect URI \"{0}\": not an absolute URI.")]
    NotAbsolute(String),
    #[error("Redirect URI \"{0}\": it must not contain a fragment.")]
    Fragment(String),
    #[error(
        "Redirect URI \"{0}\": http is allowed only on a loopback address (127.0.0.1, [::1], localhost)."
    )]
    PlainHttp(String),
    #[error("Redirect URI \"{0}\": use https, or http on a loopback address.")]
    Scheme(String),
    #[error("Register at most {MAX_REDIRECT_URIS} redirect URIs.")]
    TooMany,
    #[error("The stored redirect URIs are not a JSON array of strings.")]
    Stored,
}

/// Checks one redirect URI and returns it unchanged: exact string matching at the
/// authorization endpoint compares against the very string the client registered.
pub fn check_redirect_uri(uri: &str) -> Result<&str, RedirectUriError> {
    // The URL parser quietly strips or encodes whitespace; refusing it first keeps a second
    // URI from hiding inside the first.
    if uri.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(RedirectUriError::Whitespace(uri.escape_debug().to_string()));
    }
    let parsed = url::Url::parse(uri).map_err(|_| RedirectUriError::NotAbsolute(uri.to_owned()))?;
    if parsed.fragment().is_some() {
        return Err(RedirectUriError::Fragment(uri.to_owned()));
    }
    match parsed.scheme() {
        "https" => Ok(uri),
        "http" if is_loopback(&parsed) => Ok(uri),
        "http" => Err(RedirectUriError::PlainHttp(uri.to_owned())),
        _ => Err(RedirectUriError::Scheme(uri.to_owned())),
    }
}

/// Whether a URL points at this machine (RFC 8252 section 7.3).
pub fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// A client's validated redirect URIs, in the order registered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RedirectUris(Vec<String>);

impl RedirectUris {
    /// Validates every URI and the count.
    pub fn new(uris: Vec<String>) -> Result<Self, RedirectUriError> {
        if uris.len() > MAX_REDIRECT_URIS {
            return Err(RedirectUriError::TooMany);
        }
        for uri in &uris {
            check_redirect_uri(uri)?;
        }
        Ok(Self(uris))
    }

    /// Reads the stored form, validating it again.
    pub fn from_stored(json: &str) -> Result<Self, RedirectUriError> {
        let uris: Vec<String> = serde_json::from_str(json).map_err(|_| RedirectUriError::Stored)?;
        Self::new(uris)
    }

    /// The stored form: a JSON array of the URIs.
    pub fn to_stored(&self) -> String {
        serde_json::Value::from(self.0.clone()).to_string()
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl TryFrom<String> for RedirectUris {
    type Error = RedirectUriError;

    fn try_from(stored: String) -> Result<Self, Self::Error> {
        Self::from_stored(&stored)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_are_https_or_loopback_http() {
        for good in [
            "https://app.example/cb",
            "http://127.0.0.1:8123/cb",
            "http://[::1]/cb",
            "http://localhost:9/x",
        ] {
            assert_eq!(check_redirect_uri(good), Ok(good));
        }
        for bad in [
            "http://app.example/cb",
            "https://app.example/cb#x",
            "/relative",
            "javascript:alert(1)",
            "custom:x",
            "https://a.example/cb javascript:alert(1)",
            "https://a.example/cb\thttp://evil.example/",
            "https://a.example/cb\nhttp://evil.example/",
            " https://a.example/cb",
            "https://a.example/cb\u{0}",
            "https://a.example/\u{a0}cb",
        ] {
            assert!(check_redirect_uri(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_list_is_stored_as_exactly_what_was_checked() {
        let uris = RedirectUris::new(vec![
            "https://a.example/cb".into(),
            "http://127.0.0.1/cb".into(),
        ])
        .unwrap();
        assert_eq!(
            uris.to_stored(),
            r#"["https://a.example/cb","http://127.0.0.1/cb"]"#
        );
        assert_eq!(RedirectUris::from_stored(&uris.to_stored()), Ok(uris));
        assert_eq!(
            RedirectUris::new(vec!["https://a.example/cb".into(); MAX_REDIRECT_URIS + 1]),
            Err(RedirectUriError::TooMany)
        );
        for stored in [
            "https://a.example/cb",
            r#"["https://a.example/cb javascript:alert(1)"]"#,
            r#"["javascript:alert(1)"]"#,
            r#"[1]"#,
        ] {
            assert!(RedirectUris::from_stored(stored).is_err(), "{stored}");
        }
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    /// The rule, written out plainly with the URL parser as the only shared part.
    fn model_accepts(uri: &str) -> bool {
        if uri.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return false;
        }
        let Ok(url) = url::Url::parse(uri) else {
            return false;
        };
        // The parser writes IPv4 hosts in dotted decimal, so a host that reads back as an
        // IPv4 address is one; "127.0.0.1a" is a domain name, not a loopback address.
        let loopback = url.host_str().is_some_and(|h| {
            h.parse::<std::net::Ipv4Addr>()
                .is_ok_and(|ip| ip.octets()[0] == 127)
                || h == "[::1]"
                || h.eq_ignore_ascii_case("localhost")
        });
        url.fragment().is_none()
            && (url.scheme() == "https" || (url.scheme() == "http" && loopback))
    }

    fn uri_like() -> impl Strategy<Value = String> {
        (
            prop_oneof![
                Just("https://"),
                Just("http://"),
                Just("javascript:"),
                Just("HTTPS://"),
                Just(""),
                Just("custom:")
            ],
            prop_oneof![
                Just("app.example"),
                Just("127.0.0.1"),
                Just("127.9.8.7:99"),
                Just("localhost:8080"),
                Just("LOCALHOST"),
                Just("[::1]"),
                Just("evil.example"),
                Just("")
            ],
            "[/a-z0-9?=&#%. \\t\\n\\r\\x00]{0,16}",
        )
            .prop_map(|(scheme, host, rest)| format!("{scheme}{host}{rest}"))
    }

    proptest! {
        #[test]
        fn verdict_matches_the_model(uri in uri_like()) {
            prop_assert_eq!(check_redirect_uri(&uri).is_ok(), model_accepts(&uri), "{:?}", uri);
        }

        #[test]
        fn never_panics_and_round_trips(uris in proptest::collection::vec(prop_oneof![uri_like(), any::<String>()], 0..4)) {
            if let Ok(list) = RedirectUris::new(uris.clone()) {
                prop_assert_eq!(list.as_slice(), uris.as_slice());
                prop_assert_eq!(RedirectUris::from_stored(&list.to_stored()), Ok(list));
            }
        }

        #[test]
        fn stored_text_never_panics(stored in any::<String>()) {
            let _ = RedirectUris::from_stored(&stored);
        }
    }
}
