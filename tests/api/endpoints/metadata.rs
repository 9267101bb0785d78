//! `GET /.well-known/oauth-authorization-server` (RFC 8414) and
//! `GET /.well-known/oauth-protected-resource/mcp` (RFC 9728).

use serde_json::json;

use crate::support::AGENT_CODE_GRANT;
use crate::support::oneshot::TestApp;

#[tokio::test]
async fn the_authorization_server_names_every_endpoint_and_grant_from_its_issuer() {
    let app = TestApp::with(|config| {
        config.public_url = "https://auth.example/".parse().unwrap();
    })
    .await;
    let answer = app.get("/.well-known/oauth-authorization-server").await;
    assert_eq!(answer.status, 200);
    assert!(
        answer
            .header("content-type")
            .starts_with("application/json")
    );
    let meta = answer.json();
    assert_eq!(meta["issuer"], "https://auth.example");
    for (field, path) in [
        ("authorization_endpoint", "/oauth2/authorize"),
        ("token_endpoint", "/oauth2/token"),
        ("registration_endpoint", "/oauth2/register"),
        (
            "device_authorization_endpoint",
            "/oauth2/device_authorization",
        ),
        ("revocation_endpoint", "/oauth2/revoke"),
        ("introspection_endpoint", "/oauth2/introspect"),
    ] {
        assert_eq!(
            meta[field],
            format!("https://auth.example{path}"),
            "{field}"
        );
    }
    assert_eq!(
        meta["grant_types_supported"],
        json!([
            "authorization_code",
            "refresh_token",
            "urn:ietf:params:oauth:grant-type:device_code",
            AGENT_CODE_GRANT
        ])
    );
    assert_eq!(meta["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(meta["response_types_supported"], json!(["code"]));
    assert_eq!(
        meta["scopes_supported"],
        json!(["quote", "account.read", "trade.read", "trade.write"])
    );
    assert_eq!(
        meta["introspection_endpoint_auth_methods_supported"],
        json!(["client_secret_basic", "client_secret_post"])
    );
}

#[tokio::test]
async fn the_mcp_resource_points_to_this_authorization_server() {
    let app = TestApp::new().await;
    let answer = app.get("/.well-known/oauth-protected-resource/mcp").await;
    assert_eq!(answer.status, 200);
    let meta = answer.json();
    assert_eq!(meta["resource"], "http://127.0.0.1:3000/mcp");
    assert_eq!(
        meta["authorization_servers"],
        json!(["http://127.0.0.1:3000"])
    );
    assert_eq!(
        meta["scopes_supported"],
        json!(["quote", "account.read", "trade.read", "trade.write"])
    );
    assert_eq!(meta["bearer_methods_supported"], json!(["header"]));
}

#[tokio::test]
async fn metadata_is_read_only() {
    let app = TestApp::new().await;
    let answer = app
        .post_form("/.well-known/oauth-authorization-server", &[])
        .await;
    assert_eq!(answer.status, 405);
}
