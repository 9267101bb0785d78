//! Return paths: where the portal sends a browser back to after sign-in, sign-up, a form post or
//! consent, when the target came in with the request (`next`, `return_to`). Only a path on this
//! site's public origin passes (RFC 9700 section 4.11, open redirectors); anything else falls
//! back to [`FALLBACK`].
//!
//! Compiled for the server and the browser alike, so the page and the server apply one rule.

/// Where a refused target goes instead.
pub const FALLBACK: &str = "/connect";

/// Name of the hidden form field that carries the page a form was posted from. The portal
/// sends no `Referer`, so a form posted without JavaScript names its page itself; the server
/// reads the field back and checks it with [`on_public_origin`].
pub const RETURN_FIELD: &str = "return_to";

/// The same-origin absolute path `target` names, ready for a `Location` header, or `None`.
///
/// A path passes when it starts with exactly one `/` and holds no backslash (raw or
/// percent-encoded: browsers read `/\host` as `//host`) and no control character (raw or
/// percent-encoded: browsers drop tabs and line breaks, which can join `/` and `/`). Spaces and
/// non-ASCII characters are percent-encoded, so the result is always a valid header value
/// and, joined to the public origin, never leaves it.
pub fn same_origin_path(target: &str) -> Option<String> {
    let bytes = target.as_bytes();
    if bytes.first() != Some(&b'/') || bytes.get(1).is_some_and(|&b| b == b'/' || b == b'\\') {
        return None;
    }
    let mut path = String::with_capacity(target.len());
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\\' => return None,
            _ if b.is_ascii_control() => return None,
            b'%' if bytes
                .get(i + 1..i + 3)
                .and_then(decode_hex)
                .is_some_and(is_refused_escape) =>
            {
                return None;
            }
            b' ' | 0x80.. => path.push_str(&format!("%{b:02X}")),
            _ => path.push(char::from(b)),
        }
    }
    Some(path)
}

/// [`same_origin_path`] of `target`, or [`FALLBACK`] when it is missing or refused.
pub fn return_path_or_fallback(target: Option<&str>) -> String {
    target
        .and_then(same_origin_path)
        .unwrap_or_else(|| FALLBACK.to_owned())
}

/// The absolute URL of a checked return path on the public origin `public_base` (the
/// configured public URL without its trailing slash).
pub fn on_public_origin(public_base: &str, target: &str) -> Option<String> {
    same_origin_path(target).map(|path| format!("{}{path}", public_base.trim_end_matches('/')))
}

/// A percent-escape that would smuggle a backslash or a control character past a decoder.
fn is_refused_escape(byte: u8) -> bool {
    byte == b'\\' || byte.is_ascii_control()
}

fn decode_hex(pair: &[u8]) -> Option<u8> {
    let digit = |b: u8| char::from(b).to_digit(16);
    Some((digit(pair[0])? * 16 + digit(pair[1])?) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_on_this_site_pass() {
        assert_eq!(same_origin_path("/security").as_deref(), Some("/security"));
        assert_eq!(
            same_origin_path("/connect?scope=quote%20trade.write&agent=A").as_deref(),
            Some("/connect?scope=quote%20trade.write&agent=A")
        );
        assert_eq!(
            same_origin_path("/connect?agent=Jürgen B").as_deref(),
            Some("/connect?agent=J%C3%BCrgen%20B")
        );
        assert_eq!(same_origin_path("/").as_deref(), Some("/"));
    }

    #[test]
    fn other_sites_and_tricks_fall_back() {
        for bad in [
            "",
            "security",
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/%5Cevil.example",
            "/%5cevil.example",
            "/a/%5C/b",
            "/\t/evil.example",
            "/\n/evil.example",
            "/%09/evil.example",
            "/%0a/evil.example",
            "/%7F",
            "/x\u{7f}",
            "/x\r\nSet-Cookie: a=b",
            " /security",
            "javascript:alert(1)",
        ] {
            assert_eq!(same_origin_path(bad), None, "{bad:?}");
            assert_eq!(return_path_or_fallback(Some(bad)), FALLBACK, "{bad:?}");
        }
        assert_eq!(return_path_or_fallback(None), FALLBACK);
    }

    #[test]
    fn absolute_urls_stay_on_the_public_origin() {
        assert_eq!(
            on_public_origin("https://ac.example/", "/security?x=1").as_deref(),
            Some("https://ac.example/security?x=1")
        );
        assert_eq!(
            on_public_origin("https://ac.example", "//evil.example"),
            None
        );
    }

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(return_path_or_fallback(Some("/security")), "/security");
        assert_eq!(
            return_path_or_fallback(Some("/connect?scope=quote")),
            "/connect?scope=quote"
        );
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "security",
        ] {
            assert_eq!(return_path_or_fallback(Some(bad)), "/connect", "{bad}");
        }
        assert_eq!(return_path_or_fallback(None), "/connect");
    }
}

#[cfg(all(test, feature = "ssr"))]
mod properties {
    use proptest::prelude::*;

    use super::*;

    /// The rule, written out plainly: one leading `/`, then no backslash, no control
    /// character, and no escape of either.
    fn model_accepts(target: &str) -> bool {
        let lower = target.to_ascii_lowercase();
        let escapes_refused = (0..0x20)
            .chain([0x5c, 0x7f])
            .any(|b| lower.contains(&format!("%{b:02x}")));
        target.starts_with('/')
            && !target.starts_with("//")
            && !target.contains('\\')
            && !target.chars().any(|c| c.is_ascii_control())
            && !escapes_refused
    }

    fn tricky() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just("/".to_owned()),
                Just("\\".to_owned()),
                Just("%5C".to_owned()),
                Just("%5c".to_owned()),
                Just("%09".to_owned()),
                Just("%0A".to_owned()),
                Just("%2F".to_owned()),
                Just("%".to_owned()),
                Just("\t".to_owned()),
                Just(".".to_owned()),
                Just(":".to_owned()),
                Just("?".to_owned()),
                Just("#".to_owned()),
                Just("@".to_owned()),
                Just(" ".to_owned()),
                Just("é".to_owned()),
                Just("evil.example".to_owned()),
                "[a-z0-9]{1,4}",
                any::<char>().prop_map(String::from),
            ],
            0..8,
        )
        .prop_map(|parts| parts.concat())
    }

    proptest! {
        #[test]
        fn verdict_matches_the_model(target in tricky()) {
            prop_assert_eq!(same_origin_path(&target).is_some(), model_accepts(&target), "{:?}", target);
        }

        #[test]
        fn accepted_paths_stay_on_the_origin_and_fit_a_header(target in prop_oneof![tricky(), any::<String>()]) {
            if let Some(path) = same_origin_path(&target) {
                prop_assert!(axum::http::HeaderValue::from_str(&path).is_ok());
                let base = url::Url::parse("https://ac.example/").unwrap();
                let joined = base.join(&path).unwrap();
                prop_assert_eq!(joined.origin(), base.origin());
                let absolute = on_public_origin("https://ac.example", &target).unwrap();
                prop_assert_eq!(url::Url::parse(&absolute).unwrap().origin(), base.origin());
                // Checking a checked path changes nothing.
                prop_assert_eq!(same_origin_path(&path), Some(path.clone()));
            }
        }
    }
}
