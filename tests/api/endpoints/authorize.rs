//! `GET /oauth2/authorize` refusals (RFC 6749 section 4.1.2.1, RFC 9700 section 4.11): a
//! request that cannot be trusted with a redirect is shown on our page, never redirected;
//! a good one from a signed-out visitor goes to sign-in first.

use axum::body::Body;
use axum::http::Method;

use crate::support::oneshot::{Answer, TestApp, encode, request};
use crate::support::{HTML, rows};

/// A good request of `client_app`, with `changes` applied (an empty value drops the field).
fn authorize_path(changes: &[(&str, &str)]) -> String {
    let mut params = vec![
        ("response_type", "code"),
        ("client_id", "client_app"),
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

async fn with_client() -> TestApp {
    let app = TestApp::new().await;
    let now = app.state.now();
    rows::client(
        &app.state.db,
        "client_app",
        "authorization_code refresh_token",
        now,
    )
    .await;
    app
}

#[tokio::test]
async fn untrusted_clients_and_redirect_uris_are_shown_never_redirected() {
    let app = with_client().await;
    for (changes, why) in [
        (vec![("client_id", "")], "no client"),
        (vec![("client_id", "client_unknown")], "unknown client"),
        (
            vec![("redirect_uri", "https://evil.example/callback")],
            "unregistered redirect URI",
        ),
        (
            vec![("redirect_uri", "http://127.0.0.1:8976/callback/")],
            "trailing slash",
        ),
    ] {
        let answer = open(&app, &authorize_path(&changes)).await;
        assert_eq!(answer.status, 400, "{why}: the refusal carries its status");
        assert!(!answer.headers.contains_key("location"), "{why}");
        assert!(answer.text().contains("role=\"alert\""), "{why}");
    }
}

#[tokio::test]
async fn bad_requests_from_signed_out_visitors_are_shown_not_sent_back() {
    let app = with_client().await;
    for (changes, why) in [
        (vec![("response_type", "token")], "implicit"),
        (vec![("code_challenge", "")], "no PKCE"),
        (vec![("code_challenge_method", "plain")], "plain PKCE"),
        (vec![("scope", "admin")], "unknown scope"),
    ] {
        let answer = open(&app, &authorize_path(&changes)).await;
        assert_eq!(answer.status, 400, "{why}: the refusal carries its status");
        assert!(!answer.headers.contains_key("location"), "{why}");
        assert!(answer.text().contains("role=\"alert\""), "{why}");
    }
}

#[tokio::test]
async fn a_good_request_from_a_signed_out_visitor_goes_to_sign_in_first() {
    let app = with_client().await;
    let answer = open(&app, &authorize_path(&[])).await;
    assert_eq!(answer.status, 302);
    assert!(
        answer
            .header("location")
            .starts_with("/login?next=%2Foauth2%2Fauthorize%3F"),
        "{}",
        answer.header("location")
    );
}
