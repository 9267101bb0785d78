//! The layers every request passes (`src/server/web.rs`) and `GET /healthz`: security
//! headers, the page CSP, the body limit (RFC 9110 section 15.5.14) and the client address.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Method;

use super::{ada, agent_code};
use crate::support::oneshot::{TestApp, form_request, request};
use crate::support::{AGENT_CODE_GRANT, HTML};

#[tokio::test]
async fn health_is_ok_with_the_strict_default_headers() {
    let app = TestApp::new().await;
    let answer = app.get("/healthz").await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.text(),
        r#"{"checks":{"database":"ok","migrations":"ok"},"status":"ok"}"#
    );
    assert_eq!(app.get("/healthz/ready").await.text(), answer.text());
    assert_eq!(app.get("/healthz/live").await.text(), r#"{"status":"ok"}"#);
    assert_eq!(answer.header("x-content-type-options"), "nosniff");
    assert_eq!(answer.header("referrer-policy"), "no-referrer");
    assert_eq!(answer.header("x-frame-options"), "DENY");
    assert_eq!(
        answer.header("content-security-policy"),
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
    );
    assert!(!answer.headers.contains_key("strict-transport-security"));
}

#[tokio::test]
async fn a_page_carries_its_nonce_policy_and_the_security_headers() {
    let app = TestApp::new().await;
    let req = request(Method::GET, "/login")
        .header("accept", HTML)
        .body(Body::empty())
        .unwrap();
    let answer = app.send(req).await;
    assert_eq!(answer.status, 200);
    assert!(answer.header("content-type").starts_with("text/html"));
    let csp = answer.header("content-security-policy");
    assert!(csp.contains("script-src 'self' 'nonce-"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(answer.header("x-frame-options"), "DENY");
    assert_eq!(answer.header("x-content-type-options"), "nosniff");
    assert_eq!(answer.header("referrer-policy"), "no-referrer");
    assert!(answer.text().contains("Sign in"));
}

#[tokio::test]
async fn an_https_deployment_sends_hsts() {
    let app = TestApp::with(|config| {
        config.public_url = "https://auth.example".parse().unwrap();
    })
    .await;
    let answer = app.get("/healthz").await;
    assert_eq!(
        answer.header("strict-transport-security"),
        "max-age=31536000"
    );
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_whether_declared_or_not() {
    let app = TestApp::with(|config| config.max_body_bytes = 1024).await;
    let big = "a".repeat(2048);

    let declared = request(Method::POST, "/oauth2/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("content-length", "2048")
        .body(Body::from(big.clone()))
        .unwrap();
    assert_eq!(app.send(declared).await.status, 413);

    let undeclared = request(Method::POST, "/oauth2/register")
        .header("content-type", "application/json")
        .body(Body::from(big))
        .unwrap();
    let answer = app.send(undeclared).await;
    assert_eq!(answer.status, 413);
    assert!(answer.text().contains("1024 bytes"), "{}", answer.text());

    let within = form_request("/oauth2/token", &[("grant_type", "x".repeat(900).as_str())]);
    assert_eq!(app.send(within).await.status, 400, "read and answered");
}

/// Redeems a fresh code from `peer`, sending `forwarded` as `X-Forwarded-For`; returns the
/// address the security log recorded.
async fn redeem_from(app: &TestApp, peer: [u8; 4], forwarded: &str) -> Option<String> {
    let code = agent_code(app, &["quote"]).await;
    let mut req = form_request(
        "/oauth2/token",
        &[("grant_type", AGENT_CODE_GRANT), ("code", &code)],
    );
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((peer, 40_000))));
    req.headers_mut()
        .insert("x-forwarded-for", forwarded.parse().unwrap());
    assert_eq!(app.send(req).await.status, 200);
    sqlx::query_scalar(
        "SELECT client_ip FROM security_events WHERE user_id = $1 AND kind = 'code_redeemed' \
         ORDER BY id DESC LIMIT 1",
    )
    .bind(ada(app).await)
    .fetch_one(&app.state.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn the_client_address_is_the_peer_unless_the_peer_is_a_trusted_proxy() {
    let app =
        TestApp::with(|config| config.trusted_proxies = vec!["10.0.0.1".parse().unwrap()]).await;
    assert_eq!(
        redeem_from(&app, [192, 0, 2, 7], "198.51.100.9")
            .await
            .as_deref(),
        Some("192.0.2.7"),
        "an untrusted peer's header is ignored"
    );
    assert_eq!(
        redeem_from(&app, [10, 0, 0, 1], "198.51.100.9, 10.0.0.1")
            .await
            .as_deref(),
        Some("198.51.100.9"),
        "behind the proxy: the right-most address that is not a proxy"
    );
}

/// `GET /metrics`: Prometheus text for a loopback scraper, or one with the metrics token; a
/// stranger gets 404. It counts requests by route, redemptions by outcome and the pool.
#[tokio::test]
async fn metrics_are_served_to_loopback_and_the_token_holder_only() {
    use std::net::SocketAddr;

    use axum::body::Body;
    use axum::extract::ConnectInfo;
    use axum::http::Method;

    let app = TestApp::with(|config| config.metrics_token = Some("scrape-secret".into())).await;
    let unknown =
        agent_connect::server::domain::agent_code::format::AgentCode::generate().display();
    app.post_form(
        "/oauth2/token",
        &[("grant_type", AGENT_CODE_GRANT), ("code", &unknown)],
    )
    .await;

    let answer = app.get("/metrics").await;
    assert_eq!(answer.status, 200);
    assert!(
        answer
            .header("content-type")
            .starts_with("text/plain; version=0.0.4")
    );
    let text = answer.text();
    for series in [
        r#"agent_connect_code_redemptions_total{outcome="invalid_grant"}"#,
        r#"agent_connect_token_requests_total{grant_type="urn:agent-connect:grant-type:agent-auth-code",outcome="invalid_grant"}"#,
        r#"agent_connect_http_requests_total{method="POST",route="/oauth2/token",status="400"}"#,
        "agent_connect_http_request_duration_seconds_bucket",
        r#"agent_connect_db_pool_connections{state="idle"}"#,
        "agent_connect_db_pool_max_connections",
        "agent_connect_build_info",
    ] {
        assert!(text.contains(series), "{series} in:\n{text}");
    }
    // Prometheus conventions: every series that is served says what it is.
    let mut served: Vec<&str> = text
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .filter_map(|line| line.split(['{', ' ']).next())
        .map(|name| {
            ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|suffix| name.strip_suffix(suffix))
                .unwrap_or(name)
        })
        .collect();
    served.dedup();
    for name in served {
        assert!(
            text.contains(&format!("# HELP {name} ")),
            "{name} has no HELP in:\n{text}"
        );
    }

    let from_outside = |token: Option<&str>| {
        let mut req = request(Method::GET, "/metrics");
        if let Some(token) = token {
            req = req.header("authorization", format!("Bearer {token}"));
        }
        let mut req = req.body(Body::empty()).unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([203, 0, 113, 9], 40_000))));
        req
    };
    assert_eq!(app.send(from_outside(None)).await.status, 404);
    assert_eq!(app.send(from_outside(Some("wrong"))).await.status, 404);
    assert_eq!(
        app.send(from_outside(Some("scrape-secret"))).await.status,
        200
    );
}
