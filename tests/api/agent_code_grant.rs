//! Redeeming agent auth codes at the token endpoint: every outcome of issue point 5.

use crate::support::{AGENT_CODE_GRANT, TestServer};
use serde_json::json;

#[tokio::test]
async fn a_code_redeems_once_for_a_bearer_token_pair() {
    let server = TestServer::start().await;
    let code = server
        .code_for(
            "ada@example.com",
            &["quote", "trade.read"],
            Some("Claude Code"),
        )
        .await;

    let res = server
        .http
        .post(server.url("/oauth2/token"))
        .form(&[("grant_type", AGENT_CODE_GRANT), ("code", &code)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(body["access_token"].as_str().unwrap().starts_with("acat_"));
    assert!(body["refresh_token"].as_str().unwrap().starts_with("acrt_"));
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 1800);
    assert_eq!(body["scope"], "quote trade.read");
    assert!(body["client_id"].as_str().unwrap().starts_with("agent_"));

    let (status, again) = server.redeem(&code).await;
    assert_eq!(status, 400);
    assert_eq!(again["error"], "invalid_grant");
}

#[tokio::test]
async fn expired_used_unknown_and_malformed_codes_get_the_same_answer() {
    let server = TestServer::start().await;
    let used = server.code_for("bo@example.com", &["quote"], None).await;
    assert_eq!(server.redeem(&used).await.0, 200);
    let expired = server.code_for("bo@example.com", &["quote"], None).await;
    server.clock.advance(300);
    let unknown =
        agent_connect::server::domain::agent_code::format::AgentCode::generate().display();
    let mut wrong_check = unknown.clone();
    let last = wrong_check.pop().unwrap();
    wrong_check.push(if last == '0' { '1' } else { '0' });

    let answers: Vec<_> = redeem_each(
        &server,
        &[&used, &expired, &unknown, &wrong_check, "hello", ""],
    )
    .await;
    for (status, body) in &answers {
        assert_eq!(*status, 400);
        assert_eq!(body, &answers[0].1, "every refusal reads the same");
    }
    assert_eq!(answers[0].1["error"], "invalid_grant");
}

async fn redeem_each(server: &TestServer, codes: &[&str]) -> Vec<(u16, serde_json::Value)> {
    let mut out = Vec::new();
    for code in codes {
        out.push(server.redeem(code).await);
    }
    out
}

#[tokio::test]
async fn the_ttl_is_enforced_on_the_server_clock() {
    let server = TestServer::start().await;
    let at_299 = server.code_for("cy@example.com", &["quote"], None).await;
    let at_300 = server.code_for("cy@example.com", &["quote"], None).await;
    server.clock.advance(299);
    assert_eq!(server.redeem(&at_299).await.0, 200, "accepted at TTL - 1 s");
    server.clock.advance(1);
    assert_eq!(server.redeem(&at_300).await.0, 400, "refused at TTL");
}

#[tokio::test]
async fn a_failed_attempt_never_consumes_a_valid_code() {
    let server = TestServer::start().await;
    let code = server.code_for("di@example.com", &["quote"], None).await;
    let mut typo = code.clone();
    typo.replace_range(0..1, if code.starts_with('A') { "B" } else { "A" });
    for _ in 0..5 {
        assert_eq!(server.redeem(&typo).await.0, 400);
    }
    assert_eq!(server.redeem(&code).await.0, 200);
}

#[tokio::test]
async fn a_wrong_check_character_is_refused_without_the_database() {
    let server = TestServer::start().await;
    let code = agent_connect::server::domain::agent_code::format::AgentCode::generate().display();
    let mut wrong = code.clone();
    let last = wrong.pop().unwrap();
    wrong.push(if last == '0' { '1' } else { '0' });
    server.state.db.close().await;

    let (status, body) = server.redeem(&wrong).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "answered without a lookup"
    );
    let (status, _) = server.redeem(&code).await;
    assert!(
        status >= 500,
        "a well-formed code does need the database (got {status})"
    );
}

#[tokio::test]
async fn pasted_variants_of_a_code_redeem() {
    let server = TestServer::start().await;
    let code = server.code_for("ed@example.com", &["quote"], None).await;
    let pasted = format!("  `{}`\n", code.to_lowercase().replace('-', " "));
    assert_eq!(server.redeem(&pasted).await.0, 200);
}

#[tokio::test]
async fn the_agent_name_comes_from_the_person_first_then_the_agent() {
    let server = TestServer::start().await;
    let named = server
        .code_for("fa@example.com", &["quote"], Some("Research bot"))
        .await;
    let unnamed = server.code_for("fa@example.com", &["quote"], None).await;
    let (_, body) = server
        .token(&[
            ("grant_type", AGENT_CODE_GRANT),
            ("code", &named),
            ("agent_name", "Other"),
        ])
        .await;
    assert_eq!(
        server
            .introspect(body["access_token"].as_str().unwrap())
            .await["active"],
        true
    );
    server
        .token(&[
            ("grant_type", AGENT_CODE_GRANT),
            ("code", &unnamed),
            ("agent_name", " Claude Code\u{7} "),
        ])
        .await;
    let user = server.user_id("fa@example.com").await;
    let grants =
        agent_connect::server::db::grants::list_active(&server.state.db, &user, server.state.now())
            .await
            .unwrap();
    let mut names: Vec<_> = grants.iter().map(|g| g.agent_name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["Claude Code", "Research bot"]);
}

#[tokio::test]
async fn redemption_is_rate_limited_per_address() {
    let server = TestServer::start_with(|config| config.rate_limit_per_minute = 3).await;
    for _ in 0..3 {
        assert_eq!(server.redeem("AAAA-AAAA-AAAA-AAAA-AAAA-A").await.0, 400);
    }
    let res = server
        .http
        .post(server.url("/oauth2/token"))
        .form(&[("grant_type", AGENT_CODE_GRANT), ("code", "AAAA")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait));
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"], "too_many_requests");
}

#[tokio::test]
async fn the_token_endpoint_answers_bad_requests_in_rfc_6749_form() {
    let server = TestServer::start().await;
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![], "invalid_request"),
        (
            vec![
                ("grant_type", "password"),
                ("username", "a"),
                ("password", "b"),
            ],
            "unsupported_grant_type",
        ),
        (vec![("grant_type", "implicit")], "unsupported_grant_type"),
        (vec![("grant_type", AGENT_CODE_GRANT)], "invalid_request"),
        (
            vec![
                ("grant_type", AGENT_CODE_GRANT),
                ("code", "a"),
                ("code", "b"),
            ],
            "invalid_request",
        ),
    ];
    for (form, error) in cases {
        let (status, body) = server.token(&form).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some(error)),
            "{form:?}"
        );
        assert!(body["error_description"].is_string());
    }
    let res = server
        .http
        .post(server.url("/oauth2/token"))
        .body("{\"json\":true}")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap()["error"],
        json!("invalid_request")
    );
}

/// The brute-force figures SECURITY.md asks the tests to report: how many guesses one address
/// gets per minute at the default limit, and the chance that they hit a live code.
#[tokio::test]
async fn brute_force_report() {
    let server = TestServer::start_with(|config| config.rate_limit_per_minute = 10).await;
    let mut allowed = 0;
    for _ in 0..100 {
        let (status, _) = server.redeem("AAAA-AAAA-AAAA-AAAA-AAAA-A").await;
        match status {
            400 => allowed += 1,
            429 => {}
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(allowed, 10, "the burst of the default limit");
    // Over a code's 300-second life one address gets the burst plus one guess every 6 s.
    let per_life = 10.0 + 300.0 / 6.0;
    let space = 2f64.powi(100);
    println!(
        "brute force: {allowed} guesses allowed at once per address, then one every 6 s (10 per minute); \
         {per_life} guesses over a code's 5-minute life; chance of hitting one live code: {:.1e} \
         per address (code space 2^100, and 31 of 32 guesses are refused by the check character \
         before any lookup)",
        per_life / space
    );
}

/// Every failure an agent can meet on the token endpoint says, in one sentence, what to do
/// next: a new code at the exact URL, when to retry, or to sign in again.
#[tokio::test]
async fn every_failure_says_what_to_do_next() {
    let server = TestServer::start_with(|config| config.rate_limit_per_minute = 2).await;
    let connect = format!("{}/connect", server.base);
    let sentences = |text: &str| text.matches(". ").count() + text.matches(": ").count();

    let code = server.code_for("next@example.com", &["quote"], None).await;
    let (_, tokens) = server.redeem(&code).await;
    let (_, used) = server.redeem(&code).await;
    let used = used["error_description"].as_str().unwrap().to_owned();
    assert!(used.ends_with(&format!("{connect}.")), "{used}");
    assert_eq!(sentences(&used), 1, "{used}");

    let (status, limited) = server.redeem(&code).await;
    assert_eq!(status, 429);
    let limited = limited["error_description"].as_str().unwrap();
    assert!(
        limited.contains("Wait ") && limited.ends_with("seconds and try again."),
        "{limited}"
    );

    let refresh = tokens["refresh_token"].as_str().unwrap();
    let rotated = server
        .token(&[("grant_type", "refresh_token"), ("refresh_token", refresh)])
        .await;
    assert_eq!(rotated.0, 200);
    server.clock.advance(60);
    let (_, replayed) = server
        .token(&[("grant_type", "refresh_token"), ("refresh_token", refresh)])
        .await;
    let replayed = replayed["error_description"].as_str().unwrap();
    assert!(
        replayed.contains("sign in again") && replayed.contains(&connect),
        "{replayed}"
    );

    let busy = agent_connect::server::oauth::error::OAuthError::temporarily_unavailable();
    assert_eq!(
        busy.description(),
        "The server is busy. Try again in 1 second."
    );
}
