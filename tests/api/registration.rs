//! Dynamic client registration (RFC 7591) and authorization server metadata (RFC 8414).

use crate::support;
use crate::support::TestServer;
use serde_json::{Value, json};

async fn register(server: &TestServer, body: Value) -> (u16, Value) {
    let res = server
        .http
        .post(server.url("/oauth2/register"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    if status == 201 {
        assert_eq!(res.headers()["cache-control"], "no-store");
    }
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn public_and_confidential_clients_register() {
    let server = TestServer::start().await;
    let (status, public) = register(
        &server,
        json!({"client_name": "Desktop MCP client", "redirect_uris": ["http://127.0.0.1:33418/callback"],
               "grant_types": ["authorization_code", "refresh_token"], "token_endpoint_auth_method": "none"}),
    )
    .await;
    assert_eq!(status, 201);
    assert!(public["client_id"].as_str().unwrap().starts_with("client_"));
    assert!(
        public.get("client_secret").is_none(),
        "public clients get no secret"
    );
    assert_eq!(public["response_types"], json!(["code"]));
    assert_eq!(public["client_name"], "Desktop MCP client");

    let (status, confidential) = register(
        &server,
        json!({"client_name": "Reporting service", "redirect_uris": ["https://reports.example/cb"]}),
    )
    .await;
    assert_eq!(status, 201);
    let secret = confidential["client_secret"].as_str().unwrap();
    assert_eq!(
        confidential["token_endpoint_auth_method"],
        "client_secret_basic"
    );
    assert_eq!(confidential["client_secret_expires_at"], 0);
    let stored = agent_connect::server::db::clients::find(
        &server.state.db,
        confidential["client_id"].as_str().unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(
        stored.secret_hash.as_deref(),
        Some(agent_connect::server::domain::secrets::hash(secret).as_str())
    );
    assert_eq!(stored.name, "Reporting service");
}

#[tokio::test]
async fn bad_registrations_get_rfc_7591_errors() {
    let server = TestServer::start().await;
    let cases = [
        (
            json!({"redirect_uris": ["http://evil.example/cb"]}),
            "invalid_redirect_uri",
        ),
        (
            json!({"redirect_uris": ["https://a.example/cb#frag"]}),
            "invalid_redirect_uri",
        ),
        (
            json!({"client_name": "No redirect"}),
            "invalid_redirect_uri",
        ),
        (
            json!({"redirect_uris": ["https://a.example/cb"], "grant_types": ["password"]}),
            "invalid_client_metadata",
        ),
        (
            json!({"redirect_uris": "https://a.example/cb"}),
            "invalid_client_metadata",
        ),
    ];
    for (body, error) in cases {
        let (status, answer) = register(&server, body.clone()).await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (400, Some(error)),
            "{body}"
        );
        assert!(answer["error_description"].is_string());
    }
    let res = server
        .http
        .post(server.url("/oauth2/register"))
        .body("not json")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn registration_is_rate_limited_per_address() {
    let server = TestServer::start_with(|config| config.rate_limit_per_minute = 2).await;
    let body = json!({"grant_types": ["urn:ietf:params:oauth:grant-type:device_code"], "token_endpoint_auth_method": "none"});
    assert_eq!(register(&server, body.clone()).await.0, 201);
    assert_eq!(register(&server, body.clone()).await.0, 201);
    assert_eq!(register(&server, body).await.0, 429);
}

#[tokio::test]
async fn metadata_lists_the_endpoints() {
    let server = TestServer::start().await;
    let meta: Value = server
        .http
        .get(server.url("/.well-known/oauth-authorization-server"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(meta["issuer"], server.base.as_str());
    for (field, path) in [
        ("token_endpoint", "/oauth2/token"),
        ("registration_endpoint", "/oauth2/register"),
        ("revocation_endpoint", "/oauth2/revoke"),
        ("introspection_endpoint", "/oauth2/introspect"),
    ] {
        assert_eq!(meta[field], format!("{}{path}", server.base), "{field}");
    }
    let grants = meta["grant_types_supported"].as_array().unwrap();
    assert!(
        grants.contains(&json!("refresh_token"))
            && grants.contains(&json!(support::AGENT_CODE_GRANT))
    );
    assert!(!grants.contains(&json!("password")) && !grants.contains(&json!("implicit")));
    assert_eq!(
        meta["scopes_supported"],
        json!(["quote", "account.read", "trade.read", "trade.write"])
    );
}

#[tokio::test]
async fn a_redirect_uri_cannot_smuggle_another_one() {
    let server = TestServer::start().await;
    for smuggled in [
        "https://a.example/cb javascript:alert(1)",
        "https://a.example/cb http://evil.example/cb",
        "https://a.example/cb\thttp://evil.example/cb",
        "https://a.example/cb\u{0}",
    ] {
        let (status, body) = register(&server, json!({"redirect_uris": [smuggled]})).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_redirect_uri")),
            "{smuggled:?}"
        );
    }
    // Ten URIs and a hidden eleventh: over the cap is over the cap.
    let mut uris: Vec<String> = (0..9).map(|i| format!("https://a.example/{i}")).collect();
    uris.push("https://a.example/x https://a.example/y".into());
    let (status, _) = register(&server, json!({ "redirect_uris": uris })).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn redirect_uris_are_stored_as_exactly_what_was_checked() {
    let server = TestServer::start().await;
    let uris = ["https://a.example/cb", "http://127.0.0.1:9/cb?x=1"];
    let (status, body) = register(&server, json!({ "redirect_uris": uris })).await;
    assert_eq!(status, 201);
    assert_eq!(body["redirect_uris"], json!(uris));
    let id = body["client_id"].as_str().unwrap();
    let (stored,): (String,) = sqlx::query_as("SELECT redirect_uris FROM clients WHERE id = $1")
        .bind(id)
        .fetch_one(&server.state.db)
        .await
        .unwrap();
    assert_eq!(stored, json!(uris).to_string());
    let client = agent_connect::server::db::clients::find(&server.state.db, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(client.redirect_uris.as_slice(), uris);
}

#[tokio::test]
async fn a_stored_row_that_fails_validation_is_refused_not_trusted() {
    let server = TestServer::start().await;
    sqlx::query(
        "INSERT INTO clients (id, name, secret_hash, redirect_uris, grant_types, created_at) \
         VALUES ('client_legacy', 'Legacy', NULL, $1, 'authorization_code', 0)",
    )
    .bind(r#"["https://a.example/cb","javascript:alert(1)"]"#)
    .execute(&server.state.db)
    .await
    .unwrap();
    // Signed in, with a registered URI and an error that would be sent back: nothing is sent
    // anywhere, because the client's stored data does not pass.
    let browser = server.sign_up("legacy@example.com").await;
    let res = browser
        .get(server.url(
            "/oauth2/authorize?client_id=client_legacy&redirect_uri=https%3A%2F%2Fa.example%2Fcb&response_type=token",
        ))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    // A stored row that cannot be read is the server's fault, and the page says so.
    assert_eq!(res.status(), 500);
    assert!(res.headers().get("location").is_none());
    let html = res.text().await.unwrap();
    assert!(html.contains("role=\"alert\""), "{html}");
}

/// The migration that moved redirect URIs from a space-separated list to a JSON array.
#[tokio::test]
async fn existing_space_separated_rows_become_json_arrays() {
    use agent_connect::server::domain::redirect_uris::RedirectUris;

    let db = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
    sqlx::raw_sql(include_str!("../../migrations/sqlite/0002_clients.sql"))
        .execute(&db)
        .await
        .unwrap();
    for (id, uris) in [
        ("one", "https://a.example/cb"),
        ("two", "https://a.example/cb  http://127.0.0.1/cb"),
        ("none", ""),
        ("smuggled", "https://a.example/cb javascript:alert(1)"),
    ] {
        sqlx::query("INSERT INTO clients VALUES ($1, 'App', NULL, $2, 'authorization_code', 0)")
            .bind(id)
            .bind(uris)
            .execute(&db)
            .await
            .unwrap();
    }
    sqlx::raw_sql(include_str!(
        "../../migrations/sqlite/0006_redirect_uris_json.sql"
    ))
    .execute(&db)
    .await
    .unwrap();
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT id, redirect_uris FROM clients ORDER BY id")
            .fetch_all(&db)
            .await
            .unwrap();
    let stored: std::collections::HashMap<_, _> = rows.into_iter().collect();
    assert_eq!(stored["one"], r#"["https://a.example/cb"]"#);
    assert_eq!(
        stored["two"],
        r#"["https://a.example/cb","http://127.0.0.1/cb"]"#
    );
    assert_eq!(stored["none"], "[]");
    assert!(RedirectUris::from_stored(&stored["two"]).is_ok());
    assert!(
        RedirectUris::from_stored(&stored["smuggled"]).is_err(),
        "a smuggled URI is refused when read"
    );
}
