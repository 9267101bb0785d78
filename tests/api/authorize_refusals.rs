//! The page `GET /oauth2/authorize` shows when a request can't continue carries the status it
//! means (RFC 9700 section 4.11, SECURITY.md "Refusal pages carry the 4xx/503 they mean"):
//! 400 for a request nobody can trust with a redirect (no or unknown client, unregistered
//! redirect URI, a metadata document that is refused), 429 with `Retry-After` when the
//! visitor's address asked for too many new documents, 503 with `Retry-After` when a document
//! cannot be fetched now.

use axum::body::Body;
use axum::http::Method;

use crate::support::documents::DocumentServer;
use crate::support::oneshot::{Answer, TestApp, encode, request};
use crate::support::{HTML, rows};

/// A good request of `client_id`, with `changes` applied (an empty value drops the field).
fn authorize_path(client_id: &str, changes: &[(&str, &str)]) -> String {
    let mut params = vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", rows::REDIRECT),
        ("scope", "quote"),
        ("state", "xyz"),
        ("code_challenge", rows::CODE_CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    for (name, value) in changes {
        params.retain(|(n, _)| n != name);
        if !value.is_empty() {
            params.push((name, value));
        }
    }
    format!("/oauth2/authorize?{}", encode(&params))
}

async fn open(app: &TestApp, path: &str) -> Answer {
    let req = request(Method::GET, path)
        .header("accept", HTML)
        .body(Body::empty())
        .unwrap();
    app.send(req).await
}

/// The refusal page, with `status`, and never a redirect.
fn assert_refused(answer: &Answer, status: u16, why: &str) {
    assert_eq!(answer.status.as_u16(), status, "{why}: {}", answer.text());
    assert!(!answer.headers.contains_key("location"), "{why}");
    let html = answer.text();
    assert!(html.contains("role=\"alert\""), "{why}: {html}");
    assert!(html.contains("This request can"), "{why}: {html}");
}

/// `Retry-After` as a whole number of seconds, at least one.
fn retry_after(answer: &Answer, why: &str) -> u64 {
    let seconds: u64 = answer
        .headers
        .get("retry-after")
        .unwrap_or_else(|| panic!("{why}: no Retry-After"))
        .to_str()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("{why}: Retry-After is not seconds"));
    assert!(seconds >= 1, "{why}");
    seconds
}

#[tokio::test]
async fn untrusted_requests_are_refused_with_400() {
    let app = TestApp::new().await;
    rows::client(
        &app.state.db,
        "client_app",
        "authorization_code refresh_token",
        app.state.now(),
    )
    .await;
    for (path, why) in [
        (authorize_path("", &[]), "no client_id"),
        (authorize_path("client_unknown", &[]), "unknown client"),
        (
            authorize_path(
                "client_app",
                &[("redirect_uri", "https://evil.example/callback")],
            ),
            "unregistered redirect URI",
        ),
        (
            format!("{}&client_id=client_app", authorize_path("client_app", &[])),
            "repeated parameter",
        ),
        (
            authorize_path("https://10.1.2.3/client.json", &[]),
            "metadata document at a private address",
        ),
        (
            authorize_path("http://127.0.0.1:9/client.json", &[]),
            "metadata document URL without https",
        ),
        // Signed out: an error the client would otherwise get back is shown here.
        (
            authorize_path("client_app", &[("code_challenge", "")]),
            "no PKCE",
        ),
    ] {
        let answer = open(&app, &path).await;
        assert_refused(&answer, 400, why);
        assert!(!answer.headers.contains_key("retry-after"), "{why}");
    }
}

#[tokio::test]
async fn a_refused_metadata_document_is_a_400() {
    let documents = DocumentServer::start().await;
    let ca = documents.ca_file.clone();
    let app = TestApp::with(move |config| config.client_metadata_ca_file = Some(ca)).await;
    for (path, why) in [
        ("/big.json", "larger than 5 KB"),
        ("/wrong-id.json", "names another client_id"),
        ("/with-secret.json", "carries a client_secret"),
    ] {
        let answer = open(&app, &authorize_path(&documents.client_id(path), &[])).await;
        assert_refused(&answer, 400, why);
    }
    // The good one is asked about (the visitor signs in first), so the CA is trusted.
    let answer = open(
        &app,
        &authorize_path(&documents.client_id("/good.json"), &[]),
    )
    .await;
    assert_eq!(answer.status, 302, "{}", answer.text());
}

#[tokio::test]
async fn a_document_that_cannot_be_fetched_now_is_a_503_with_retry_after() {
    let documents = DocumentServer::start().await;
    let ca = documents.ca_file.clone();
    let app = TestApp::with(move |config| config.client_metadata_ca_file = Some(ca)).await;
    for (client_id, why) in [
        (documents.client_id("/flaky.json"), "it answered 503"),
        // Nothing listens on port 9 of loopback: the connection is refused.
        ("https://127.0.0.1:9/client.json".to_owned(), "unreachable"),
    ] {
        let answer = open(&app, &authorize_path(&client_id, &[])).await;
        assert_refused(&answer, 503, why);
        retry_after(&answer, why);
    }
}

#[tokio::test]
async fn too_many_new_documents_from_one_address_is_a_429_with_retry_after() {
    let app = TestApp::with(|config| config.rate_limit_per_minute = 1).await;
    // The first new document uses the address's one fetch of the minute (and fails).
    let first = open(&app, &authorize_path("https://127.0.0.1:9/a.json", &[])).await;
    assert_refused(&first, 503, "first");
    let answer = open(&app, &authorize_path("https://127.0.0.1:9/b.json", &[])).await;
    assert_refused(&answer, 429, "rate limited");
    let seconds = retry_after(&answer, "rate limited");
    assert!(seconds <= 60, "{seconds}");
}
