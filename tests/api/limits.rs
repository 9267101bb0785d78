//! Floods and failures against a real server: body limits, the caps on unauthenticated
//! `/mcp/agent` sessions, the device authorization rate limit, pruning of what grows with
//! traffic, and a busy database answered 503 with `Retry-After` everywhere.

use std::time::{Duration, Instant};

use crate::support;
use crate::support::{HTML, TestServer, page};
use agent_connect::server::app::housekeeping;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn initialize() -> Value {
    json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                   "clientInfo": {"name": "flood", "version": "1"}}
    })
}

#[tokio::test]
async fn every_body_over_the_limit_is_413() {
    let server = TestServer::start_with(|config| config.max_body_bytes = 1024).await;
    let big = vec![b'a'; 2048];
    for path in [
        "/api/sign_in",
        "/api/generate_code",
        "/oauth2/token",
        "/oauth2/register",
        "/oauth2/device_authorization",
        "/oauth2/revoke",
        "/oauth2/introspect",
        "/mcp/agent",
        "/mcp",
        "/logout",
    ] {
        let res = server
            .browser()
            .post(server.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(big.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 413, "{path} with Content-Length");

        // Without a Content-Length the body is cut off at the limit, with the same answer.
        assert_eq!(
            chunked_post(&server, path, &big).await,
            413,
            "{path} chunked"
        );
    }
    // Under the limit nothing changes.
    let (status, _) = server.token(&[("grant_type", "refresh_token")]).await;
    assert_eq!(status, 400);
}

/// POSTs `body` in 256-byte chunks (`Transfer-Encoding: chunked`, no `Content-Length`) over
/// a plain connection; returns the status.
async fn chunked_post(server: &TestServer, path: &str, body: &[u8]) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = server.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nOrigin: {}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        server.base
    )
    .into_bytes();
    for chunk in body.chunks(256) {
        request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend_from_slice(chunk);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    // The server may answer and close before reading everything; that is its right.
    let _ = stream.write_all(&request).await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    answer
        .split(' ')
        .nth(1)
        .and_then(|status| status.parse().ok())
        .unwrap_or_else(|| panic!("no status in {answer:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_mcp_agent_flood_is_capped_and_the_portal_keeps_answering() {
    let server = TestServer::start().await;
    let browser = server.sign_up("flooded@example.com").await;
    let started = Instant::now();
    let statuses = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let flood: Vec<_> = (0..8)
        .map(|_| {
            let http = reqwest::Client::new();
            let url = server.url("/mcp/agent");
            let statuses = statuses.clone();
            tokio::spawn(async move {
                for _ in 0..375 {
                    let res = http
                        .post(&url)
                        .header("accept", "application/json, text/event-stream")
                        .json(&initialize())
                        .send()
                        .await
                        .unwrap();
                    let refused = matches!(res.status().as_u16(), 429 | 503);
                    if refused {
                        assert!(res.headers().contains_key("retry-after"));
                    }
                    statuses.lock().unwrap().push(res.status().as_u16());
                }
            })
        })
        .collect();
    // While the flood runs, the server keeps serving health checks and signed-in pages.
    let mut checks = 0;
    while flood.iter().any(|task| !task.is_finished()) {
        let health = server
            .http
            .get(server.url("/healthz"))
            .send()
            .await
            .unwrap();
        assert_eq!(health.status(), 200);
        let (status, _, _) = page(&browser, &server, "/connect").await;
        assert_eq!(status, 200);
        checks += 1;
    }
    for task in flood {
        task.await.unwrap();
    }
    let statuses = statuses.lock().unwrap().clone();
    let admitted = statuses.iter().filter(|s| **s == 200).count();
    let refused = statuses.iter().filter(|s| **s == 429 || **s == 503).count();
    println!(
        "3000 /mcp/agent initializations from one address in {:?}: {admitted} admitted, {refused} refused, {checks} portal checks meanwhile",
        started.elapsed()
    );
    assert_eq!(statuses.len(), 3000);
    assert_eq!(admitted + refused, 3000, "only 200, 429 or 503");
    assert_eq!(admitted, 16, "the default cap per address");
    assert_eq!(server.state.agent_sessions.unauthenticated(), 16);
}

#[tokio::test]
async fn device_authorization_is_rate_limited_per_address() {
    let server = TestServer::start_with(|config| config.rate_limit_per_minute = 3).await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let res = server
            .http
            .post(server.url("/oauth2/device_authorization"))
            .form(&[("client_id", "nobody"), ("scope", "quote")])
            .send()
            .await
            .unwrap();
        if res.status() == 429 {
            assert!(res.headers().contains_key("retry-after"));
        }
        statuses.push(res.status().as_u16());
    }
    assert_eq!(statuses[..3], [401, 401, 401]);
    assert_eq!(statuses[3..], [429, 429]);
}

#[tokio::test]
async fn housekeeping_prunes_what_outlived_its_use() {
    let server = TestServer::start().await;
    let db = &server.state.db;
    // A grant with tokens, a security event, an unused client registration, a portal
    // session past its expiry.
    let code = server.code_for("old@example.com", &["quote"], None).await;
    let (status, tokens) = server.redeem(&code).await;
    assert_eq!(status, 200);
    let res = server
        .http
        .post(server.url("/oauth2/register"))
        .json(&json!({"client_name": "Gone", "redirect_uris": ["http://127.0.0.1:9/cb"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let stale_session = if crate::support::database::on_postgres() {
        "INSERT INTO sessions (id, data, expiry_date) VALUES ('stale', '\\x00', '2000-01-01 00:00:00+00')"
    } else {
        "INSERT INTO sessions (id, data, expiry_date) VALUES ('stale', x'00', '2000-01-01 00:00:00')"
    };
    sqlx::query(stale_session).execute(db).await.unwrap();
    let count = |table: &'static str| async move {
        sqlx::query_scalar::<_, i64>(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(db)
            .await
            .unwrap()
    };

    let pruned = housekeeping::prune(&server.state).await.unwrap();
    assert_eq!(
        pruned,
        housekeeping::Pruned::default(),
        "nothing is old yet"
    );
    assert_eq!(count("sessions").await, 1, "the signed-in session stays");

    assert_eq!(
        server
            .introspect(tokens["access_token"].as_str().unwrap())
            .await["active"],
        true
    );
    server.clock.advance(91 * 86_400);
    let pruned = housekeeping::prune(&server.state).await.unwrap();
    assert_eq!(pruned.agent_codes, 1);
    assert_eq!(pruned.tokens, 2);
    assert_eq!(pruned.clients, 1);
    assert!(pruned.security_events >= 2, "{pruned:?}");
    for table in [
        "agent_codes",
        "tokens",
        "clients",
        "security_events",
        "authorization_codes",
        "device_codes",
    ] {
        assert_eq!(count(table).await, 0, "{table}");
    }
    // The grant expired 30 days after its last use, 61 days ago: within the retention.
    assert_eq!(count("grants").await, 1);
    server.clock.advance(30 * 86_400);
    assert_eq!(housekeeping::prune(&server.state).await.unwrap().grants, 1);
}

#[tokio::test]
async fn the_rate_limiters_memory_is_bounded() {
    let server = TestServer::start().await;
    for n in 0..20u8 {
        server
            .state
            .limits
            .check(
                agent_connect::server::domain::ratelimit::Action::SignIn,
                [192, 0, 2, n].into(),
            )
            .await
            .unwrap();
    }
    assert_eq!(server.state.limits.remembered().await, 20);
    // The test limit is 10,000 a minute: one cell refills in 6 ms.
    tokio::time::sleep(Duration::from_millis(50)).await;
    housekeeping::tidy_memory(&server.state).await;
    assert_eq!(server.state.limits.remembered().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_database_is_503_with_retry_after_on_every_surface() {
    let server = TestServer::start().await;
    let browser = server.sign_up("busy@example.com").await;
    let code = server.code_for("busy@example.com", &["quote"], None).await;
    let (_, tokens) = server.redeem(&code).await;
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();

    // The pool closing is what the server sees when it cannot get at its database at all.
    server.state.db.close().await;

    let expect_503 = |what: &str, res: reqwest::Response| {
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE, "{what}");
        assert!(res.headers().contains_key("retry-after"), "{what}");
    };
    let res = server
        .http
        .get(server.url("/healthz"))
        .send()
        .await
        .unwrap();
    expect_503("health", res);
    // Liveness does not depend on the database: the process itself is fine.
    let res = server
        .http
        .get(server.url("/healthz/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = server
        .http
        .post(server.url("/oauth2/token"))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)])
        .send()
        .await
        .unwrap();
    expect_503("token endpoint", res);
    let res = server
        .http
        .post(server.url("/oauth2/introspect"))
        .basic_auth(support::RESOURCE_ID, Some(support::RESOURCE_SECRET))
        .form(&[("token", &access)])
        .send()
        .await
        .unwrap();
    expect_503("introspection", res);
    let res = server
        .http
        .post(server.url("/mcp"))
        .header("accept", "application/json, text/event-stream")
        .bearer_auth(&access)
        .json(&initialize())
        .send()
        .await
        .unwrap();
    expect_503("MCP resource", res);
    let res = browser
        .post(server.url("/api/connect"))
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    expect_503("server function", res);
    let res = browser
        .get(server.url("/connect"))
        .header("accept", HTML)
        .send()
        .await
        .unwrap();
    expect_503("page", res);
    let res = server
        .browser()
        .post(server.url("/api/sign_in"))
        .form(&[
            ("email", "busy@example.com"),
            ("password", "correct horse battery"),
        ])
        .send()
        .await
        .unwrap();
    expect_503("sign-in", res);
}
