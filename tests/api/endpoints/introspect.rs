//! `POST /oauth2/introspect` (RFC 7662): only the configured resource server may ask, and
//! anything not live is exactly `{"active":false}`.

use serde_json::json;

use super::tokens as token_pair;
use crate::support::oneshot::{Answer, TestApp, basic, form_request};
use crate::support::{RESOURCE_ID, RESOURCE_SECRET, START};

async fn introspect(app: &TestApp, authorization: &str, token: &str) -> Answer {
    let mut req = form_request("/oauth2/introspect", &[("token", token)]);
    req.headers_mut()
        .insert("authorization", authorization.parse().unwrap());
    app.send(req).await
}

#[tokio::test]
async fn callers_without_the_resource_servers_credentials_are_refused() {
    let app = TestApp::new().await;
    let pair = token_pair(&app).await;
    let access = pair["access_token"].as_str().unwrap();
    let anonymous = app
        .post_form("/oauth2/introspect", &[("token", access)])
        .await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.error(), "invalid_client");
    assert!(anonymous.header("www-authenticate").starts_with("Basic"));
    for authorization in [
        basic(RESOURCE_ID, "wrong"),
        basic("someone-else", RESOURCE_SECRET),
        "Bearer ".to_owned() + access,
    ] {
        let answer = introspect(&app, &authorization, access).await;
        assert_eq!(answer.status, 401, "{authorization}");
        assert_eq!(answer.error(), "invalid_client");
    }
}

#[tokio::test]
async fn a_live_token_is_described_and_anything_else_is_inactive() {
    let app = TestApp::new().await;
    let pair = token_pair(&app).await;
    let access = pair["access_token"].as_str().unwrap();
    let auth = basic(RESOURCE_ID, RESOURCE_SECRET);

    let answer = introspect(&app, &auth, access).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("cache-control"), "no-store");
    let body = answer.json();
    assert_eq!(body["active"], true);
    assert_eq!(body["scope"], "quote");
    assert_eq!(body["client_id"], pair["client_id"]);
    assert_eq!(body["sub"], "usr_ada");
    assert_eq!(body["username"], "ada@example.com");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["iat"], START);
    assert_eq!(body["exp"], START + 1800);
    assert_eq!(body.get("aud"), None);

    let refresh = introspect(&app, &auth, pair["refresh_token"].as_str().unwrap()).await;
    assert_eq!(refresh.json()["token_type"], "refresh_token");

    assert_eq!(
        introspect(&app, &auth, "acat_unknown").await.json(),
        json!({"active": false})
    );
    app.clock.advance(1800);
    assert_eq!(
        introspect(&app, &auth, access).await.json(),
        json!({"active": false}),
        "expired"
    );
}

#[tokio::test]
async fn credentials_may_come_in_the_body_and_the_token_is_required() {
    let app = TestApp::new().await;
    let in_body = app
        .post_form(
            "/oauth2/introspect",
            &[
                ("token", "acat_unknown"),
                ("client_id", RESOURCE_ID),
                ("client_secret", RESOURCE_SECRET),
            ],
        )
        .await;
    assert_eq!(in_body.status, 200);
    assert_eq!(in_body.json(), json!({"active": false}));
    let missing = app
        .post_form(
            "/oauth2/introspect",
            &[
                ("client_id", RESOURCE_ID),
                ("client_secret", RESOURCE_SECRET),
            ],
        )
        .await;
    assert_eq!(missing.status, 400);
    assert_eq!(missing.error(), "invalid_request");
}
