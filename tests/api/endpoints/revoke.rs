//! `POST /oauth2/revoke` (RFC 7009): an access token ends itself, a refresh token ends its
//! grant, an unknown token is 200 all the same, and a confidential client must authenticate.

use agent_connect::server::db::events::EventKind;
use agent_connect::server::db::{events, tokens};
use agent_connect::server::domain::secrets::hash;

use super::tokens as token_pair;
use crate::support::oneshot::TestApp;
use crate::support::rows;

async fn is_active(app: &TestApp, token: &str) -> bool {
    tokens::find_active(&app.state.db, &hash(token), app.state.now())
        .await
        .unwrap()
        .is_some()
}

#[tokio::test]
async fn revoking_an_access_token_ends_only_that_token() {
    let app = TestApp::new().await;
    let pair = token_pair(&app).await;
    let (access, refresh) = (
        pair["access_token"].as_str().unwrap(),
        pair["refresh_token"].as_str().unwrap(),
    );
    let answer = app
        .post_form(
            "/oauth2/revoke",
            &[("token", access), ("token_type_hint", "access_token")],
        )
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("cache-control"), "no-store");
    assert!(answer.body.is_empty());
    assert!(!is_active(&app, access).await);
    assert!(is_active(&app, refresh).await);
}

#[tokio::test]
async fn revoking_a_refresh_token_ends_the_whole_grant_and_says_so_in_the_log() {
    let app = TestApp::new().await;
    let pair = token_pair(&app).await;
    let refresh = pair["refresh_token"].as_str().unwrap();
    let answer = app.post_form("/oauth2/revoke", &[("token", refresh)]).await;
    assert_eq!(answer.status, 200);
    assert!(!is_active(&app, pair["access_token"].as_str().unwrap()).await);
    assert!(!is_active(&app, refresh).await);
    let log = events::list_recent(&app.state.db, "usr_ada", 1)
        .await
        .unwrap();
    assert_eq!(log[0].kind, EventKind::TokenRevoked);
}

#[tokio::test]
async fn unknown_tokens_are_answered_200_and_a_missing_one_is_invalid() {
    let app = TestApp::new().await;
    let unknown = app
        .post_form("/oauth2/revoke", &[("token", "acat_unknown")])
        .await;
    assert_eq!(unknown.status, 200);
    let missing = app.post_form("/oauth2/revoke", &[]).await;
    assert_eq!(missing.status, 400);
    assert_eq!(missing.error(), "invalid_request");
}

#[tokio::test]
async fn a_confidential_client_naming_itself_without_its_secret_is_refused() {
    let app = TestApp::new().await;
    let client = rows::client_row(
        "client_web",
        "authorization_code refresh_token",
        Some("acs_right"),
        app.state.now(),
    );
    agent_connect::server::db::clients::insert(&app.state.db, &client)
        .await
        .unwrap();
    for form in [
        vec![("token", "acat_unknown"), ("client_id", "client_web")],
        vec![
            ("token", "acat_unknown"),
            ("client_id", "client_web"),
            ("client_secret", "acs_wrong"),
        ],
    ] {
        let answer = app.post_form("/oauth2/revoke", &form).await;
        assert_eq!(answer.status, 401, "{form:?}");
        assert_eq!(answer.error(), "invalid_client");
    }
    let authenticated = app
        .post_form(
            "/oauth2/revoke",
            &[
                ("token", "acat_unknown"),
                ("client_id", "client_web"),
                ("client_secret", "acs_right"),
            ],
        )
        .await;
    assert_eq!(authenticated.status, 200);
}
