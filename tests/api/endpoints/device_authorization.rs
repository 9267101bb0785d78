//! `POST /oauth2/device_authorization` (RFC 8628 section 3.1): a registered device client
//! gets a device code, a user code and where to enter it; anything else is refused.

use crate::support::DEVICE_CODE_GRANT;
use agent_connect::server::db::device_codes;
use agent_connect::server::domain::secrets::hash;

use crate::support::oneshot::TestApp;
use crate::support::rows;

/// An application with the device client `client_tv` and the web client `client_app`.
async fn with_clients() -> TestApp {
    let app = TestApp::new().await;
    let now = app.state.now();
    rows::client(&app.state.db, "client_tv", DEVICE_CODE_GRANT, now).await;
    rows::client(&app.state.db, "client_app", "authorization_code", now).await;
    app
}

#[tokio::test]
async fn a_device_client_starts_a_request() {
    let app = with_clients().await;
    let answer = app
        .post_form(
            "/oauth2/device_authorization",
            &[("client_id", "client_tv"), ("scope", "account.read quote")],
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.header("cache-control"), "no-store");
    let body = answer.json();
    let device_code = body["device_code"].as_str().unwrap();
    assert!(device_code.starts_with("acdc_"));
    let user_code = body["user_code"].as_str().unwrap();
    assert_eq!(user_code.len(), 9, "{user_code}");
    assert_eq!(&user_code[4..5], "-");
    assert!(
        user_code
            .chars()
            .filter(|c| *c != '-')
            .all(|c| "BCDFGHJKLMNPQRSTVWXZ".contains(c)),
        "{user_code}"
    );
    assert_eq!(body["verification_uri"], "http://127.0.0.1:3000/device");
    assert!(
        body["verification_uri_complete"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:3000/device?user_code=")
    );
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["interval"], 5);

    let stored =
        device_codes::find_pending(&app.state.db, &user_code.replace('-', ""), app.state.now())
            .await
            .unwrap()
            .expect("stored");
    assert_eq!(stored.device_code_hash, hash(device_code));
    assert_eq!(stored.client_id, "client_tv");
    assert_eq!(
        stored.scopes.to_string(),
        "quote account.read",
        "in catalogue order"
    );
}

#[tokio::test]
async fn unknown_clients_other_grants_and_bad_scopes_are_refused() {
    let app = with_clients().await;
    for (form, status, error) in [
        (vec![("scope", "quote")], 400, "invalid_request"),
        (
            vec![("client_id", "client_unknown"), ("scope", "quote")],
            401,
            "invalid_client",
        ),
        (
            vec![("client_id", "client_app"), ("scope", "quote")],
            400,
            "unauthorized_client",
        ),
        (
            vec![("client_id", "client_tv"), ("scope", "admin")],
            400,
            "invalid_scope",
        ),
        (vec![("client_id", "client_tv")], 400, "invalid_scope"),
    ] {
        let answer = app.post_form("/oauth2/device_authorization", &form).await;
        assert_eq!(answer.status, status, "{form:?}");
        assert_eq!(answer.error(), error, "{form:?}");
    }
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM device_codes")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(stored, 0);
}
