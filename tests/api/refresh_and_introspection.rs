//! Refresh rotation, introspection and revocation: issue points 6 and 7.

use crate::support;
use crate::support::{RESOURCE_ID, TestServer};
use agent_connect::language::Locale;
use agent_connect::server::db::events::EventKind;
use agent_connect::server::db::{events, grants};
use agent_connect::server::domain::grant::{self, Revocation};
use agent_connect::server::domain::security_log::EventDetail;
use agent_connect::server::oauth::grant_types::refresh_token;
use serde_json::{Value, json};

async fn grant(server: &TestServer, email: &str) -> Value {
    let code = server
        .code_for(email, &["quote", "account.read"], Some("Portfolio bot"))
        .await;
    let (status, body) = server.redeem(&code).await;
    assert_eq!(status, 200);
    body
}

fn field<'a>(body: &'a Value, name: &str) -> &'a str {
    body[name].as_str().unwrap()
}

#[tokio::test]
async fn refresh_rotates_and_the_old_token_dies() {
    let server = TestServer::start().await;
    let first = grant(&server, "ada@example.com").await;
    let (status, second) = server
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", field(&first, "refresh_token")),
        ])
        .await;
    assert_eq!(status, 200);
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    assert_eq!(second["scope"], "quote account.read");
    assert_eq!(second["client_id"], first["client_id"]);
    assert_eq!(
        server.introspect(field(&second, "access_token")).await["active"],
        true
    );
    assert_eq!(
        server.introspect(field(&first, "refresh_token")).await,
        json!({"active": false})
    );
}

#[tokio::test]
async fn replaying_a_rotated_refresh_token_revokes_the_grant() {
    let server = TestServer::start().await;
    let first = grant(&server, "bo@example.com").await;
    let (_, second) = server
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", field(&first, "refresh_token")),
        ])
        .await;
    // Past the grace period a retried rotation gets, the old token is a replay.
    server.clock.advance(refresh_token::ROTATION_GRACE);

    let (status, body) = server
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", field(&first, "refresh_token")),
        ])
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    // The whole grant is gone: the live pair from the rotation stops working too.
    assert_eq!(
        server.introspect(field(&second, "access_token")).await,
        json!({"active": false})
    );
    let (status, _) = server
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", field(&second, "refresh_token")),
        ])
        .await;
    assert_eq!(status, 400);
    let user = server.user_id("bo@example.com").await;
    let log = events::list_recent(&server.state.db, &user, 20)
        .await
        .unwrap();
    assert!(
        log.iter().any(|e| e.kind == EventKind::RefreshReuse),
        "the reuse is in the security log"
    );
}

#[tokio::test]
async fn a_retry_within_the_grace_period_rotates_again_without_revoking() {
    let server = TestServer::start().await;
    let first = grant(&server, "retry@example.com").await;
    let refresh = field(&first, "refresh_token");
    // The answer to this refresh is "lost": the client never sees `lost`.
    let (status, lost) = server
        .token(&[("grant_type", "refresh_token"), ("refresh_token", refresh)])
        .await;
    assert_eq!(status, 200);
    server.clock.advance(refresh_token::ROTATION_GRACE - 1);
    let (status, retried) = server
        .token(&[("grant_type", "refresh_token"), ("refresh_token", refresh)])
        .await;
    assert_eq!(status, 200, "{retried}");
    assert_ne!(retried["refresh_token"], lost["refresh_token"]);
    // One refresh token stays live per grant: the one the client holds now.
    assert_eq!(
        server.introspect(field(&lost, "refresh_token")).await,
        json!({"active": false})
    );
    assert_eq!(
        server.introspect(field(&retried, "access_token")).await["active"],
        true
    );
    let (status, _) = server
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", field(&retried, "refresh_token")),
        ])
        .await;
    assert_eq!(status, 200, "the retried chain goes on");

    // The same token after the grace period is a replay: the grant goes.
    server.clock.advance(1);
    let (status, body) = server
        .token(&[("grant_type", "refresh_token"), ("refresh_token", refresh)])
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(
        server.introspect(field(&retried, "access_token")).await,
        json!({"active": false})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_refreshes_of_one_token_keep_the_grant() {
    let server = TestServer::start().await;
    let first = grant(&server, "twins@example.com").await;
    let refresh = field(&first, "refresh_token").to_owned();
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(20));
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let http = reqwest::Client::new();
            let url = server.url("/oauth2/token");
            let refresh = refresh.clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                let res = http
                    .post(url)
                    .form(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)])
                    .send()
                    .await
                    .unwrap();
                let status = res.status().as_u16();
                (status, res.json::<Value>().await.unwrap_or(Value::Null))
            })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    let statuses: Vec<u16> = answers.iter().map(|(s, _)| *s).collect();
    println!("20 simultaneous refreshes of one token: statuses {statuses:?}");
    assert!(statuses.iter().all(|s| *s < 500), "{statuses:?}");
    assert!(statuses.contains(&200));
    // The grant survives: the last pair handed out works.
    let mut live = 0;
    for (_, body) in answers.iter().filter(|(s, _)| *s == 200) {
        if server.introspect(field(body, "refresh_token")).await["active"] == true {
            live += 1;
        }
    }
    assert_eq!(live, 1, "exactly one refresh token stays live");
    let (status, _) = server
        .token(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)])
        .await;
    assert_eq!(status, 200, "still within the grace period");
}

#[tokio::test]
async fn refresh_refuses_other_clients_and_new_scopes() {
    let server = TestServer::start().await;
    let first = grant(&server, "cy@example.com").await;
    let refresh = field(&first, "refresh_token");
    let (status, _) = server
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("client_id", "someone-else"),
        ])
        .await;
    assert_eq!(status, 400);
    let (status, body) = server
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("scope", "trade.write"),
        ])
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_scope"))
    );
    // Neither refusal used the token up.
    let (status, _) = server
        .token(&[("grant_type", "refresh_token"), ("refresh_token", refresh)])
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn introspection_describes_a_live_token() {
    let server = TestServer::start().await;
    let body = grant(&server, "di@example.com").await;
    let answer = server.introspect(field(&body, "access_token")).await;
    assert_eq!(answer["active"], true);
    assert_eq!(answer["scope"], "quote account.read");
    assert_eq!(answer["client_id"], body["client_id"]);
    assert_eq!(answer["sub"], server.user_id("di@example.com").await);
    assert_eq!(answer["exp"], support::START + 1800);
    assert_eq!(answer["token_type"], "Bearer");
}

#[tokio::test]
async fn introspection_needs_the_resource_server_credentials() {
    let server = TestServer::start().await;
    let body = grant(&server, "ed@example.com").await;
    let token = field(&body, "access_token");
    for auth in [None, Some("wrong")] {
        let mut req = server
            .http
            .post(server.url("/oauth2/introspect"))
            .form(&[("token", token)]);
        if let Some(secret) = auth {
            req = req.basic_auth(RESOURCE_ID, Some(secret));
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 401);
        assert!(res.headers().contains_key("www-authenticate"));
        assert_eq!(
            res.json::<Value>().await.unwrap()["error"],
            "invalid_client"
        );
    }
    let res = server
        .http
        .post(server.url("/oauth2/introspect"))
        .form(&[
            ("token", token),
            ("client_id", RESOURCE_ID),
            ("client_secret", support::RESOURCE_SECRET),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.json::<Value>().await.unwrap()["active"],
        true,
        "client_secret_post works too"
    );
}

#[tokio::test]
async fn expired_and_unknown_tokens_are_exactly_inactive() {
    let server = TestServer::start().await;
    let body = grant(&server, "fa@example.com").await;
    assert_eq!(
        server.introspect("acat_nope").await,
        json!({"active": false})
    );
    server.clock.advance(1799);
    assert_eq!(
        server.introspect(field(&body, "access_token")).await["active"],
        true
    );
    server.clock.advance(1);
    assert_eq!(
        server.introspect(field(&body, "access_token")).await,
        json!({"active": false})
    );
}

#[tokio::test]
async fn revoking_the_grant_in_the_portal_takes_effect_on_the_next_request() {
    let server = TestServer::start().await;
    let body = grant(&server, "gu@example.com").await;
    let token = field(&body, "access_token");
    assert_eq!(server.introspect(token).await["active"], true);
    let user = server.user_id("gu@example.com").await;
    let live = grants::list_active(&server.state.db, &user, server.state.now())
        .await
        .unwrap();
    let user = user.as_str().into();
    let why = Revocation::ByPerson { user_id: &user };
    grant::revoke(
        &server.state.db,
        &server.state.live_tokens,
        &live[0].id,
        why,
        None,
        server.state.now(),
    )
    .await
    .unwrap();
    assert_eq!(server.introspect(token).await, json!({"active": false}));
    assert_eq!(
        server.introspect(field(&body, "refresh_token")).await,
        json!({"active": false})
    );
}

#[tokio::test]
async fn rfc_7009_revocation_of_both_token_kinds() {
    let server = TestServer::start().await;
    let revoke = |token: String| {
        let http = server.http.clone();
        let url = server.url("/oauth2/revoke");
        async move {
            http.post(url)
                .form(&[("token", token)])
                .send()
                .await
                .unwrap()
        }
    };

    let body = grant(&server, "ha@example.com").await;
    let res = revoke(field(&body, "access_token").into()).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        server.introspect(field(&body, "access_token")).await,
        json!({"active": false})
    );
    assert_eq!(
        server.introspect(field(&body, "refresh_token")).await["active"],
        true,
        "only the access token"
    );
    let user = server.user_id("ha@example.com").await;
    let log = events::list_recent(&server.state.db, &user, 10)
        .await
        .unwrap();
    let entry = log
        .iter()
        .find(|event| event.kind == EventKind::TokenRevoked)
        .expect("the revocation is in the person's log");
    assert!(
        EventDetail::describe(&entry.detail, Locale::en).contains("gave up one access token"),
        "{}",
        entry.detail
    );

    let res = revoke(field(&body, "refresh_token").into()).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        server.introspect(field(&body, "refresh_token")).await,
        json!({"active": false})
    );
    let (status, _) = server
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", field(&body, "refresh_token")),
        ])
        .await;
    assert_eq!(status, 400);

    assert_eq!(
        revoke("acrt_unknown".into()).await.status(),
        200,
        "unknown tokens get 200"
    );
    let res = server
        .http
        .post(server.url("/oauth2/revoke"))
        .form(&[("nothing", "here")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
}
