//! Many agents racing to redeem one code against a real server: exactly one wins.

use crate::support;
use crate::support::TestServer;
use agent_connect::language::Locale;
use agent_connect::server::domain::security_log::EventDetail;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_simultaneous_redemptions_of_one_code_give_exactly_one_success() {
    let server = TestServer::start().await;
    let code = server.code_for("race@example.com", &["quote"], None).await;
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(50));
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let http = reqwest::Client::new();
            let url = server.url("/oauth2/token");
            let code = code.clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                http.post(url)
                    .form(&[("grant_type", support::AGENT_CODE_GRANT), ("code", &code)])
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    let ok = statuses.iter().filter(|s| **s == 200).count();
    let server_errors = statuses.iter().filter(|s| **s >= 500).count();
    println!(
        "50 concurrent redemptions: {ok} succeeded, {server_errors} server errors, statuses {statuses:?}"
    );
    assert_eq!(ok, 1);
    assert_eq!(server_errors, 0);
    assert!(statuses.iter().all(|s| *s == 200 || *s == 400));
}

/// Redemptions arriving together share a commit (on SQLite): forty codes, each sent twice at
/// once, give forty successes, one per code, each a grant of its own with working tokens, and
/// the person's log names each agent once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn codes_redeemed_together_each_make_one_grant() {
    let server = TestServer::start().await;
    let mut codes = Vec::new();
    for n in 0..40 {
        let agent = format!("Agent {n}");
        codes.push((
            server
                .code_for("many@example.com", &["quote"], Some(&agent))
                .await,
            agent,
        ));
    }
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(codes.len() * 2));
    let tasks: Vec<_> = codes
        .iter()
        .chain(codes.iter())
        .map(|(code, agent)| {
            let http = reqwest::Client::new();
            let url = server.url("/oauth2/token");
            let (code, agent) = (code.clone(), agent.clone());
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                let res = http
                    .post(url)
                    .form(&[("grant_type", support::AGENT_CODE_GRANT), ("code", &code)])
                    .send()
                    .await
                    .unwrap();
                let status = res.status().as_u16();
                let body: serde_json::Value = res.json().await.unwrap();
                (code, agent, status, body)
            })
        })
        .collect();
    let mut won = std::collections::HashMap::new();
    for task in tasks {
        let (code, agent, status, body) = task.await.unwrap();
        assert!(status == 200 || status == 400, "{status} {body}");
        if status == 200 {
            assert_eq!(body["agent_name"], agent.as_str(), "{body}");
            assert!(won.insert(code, body).is_none(), "one success per code");
        }
    }
    assert_eq!(won.len(), codes.len());
    let mut clients = std::collections::HashSet::new();
    for body in won.values() {
        let token = body["access_token"].as_str().unwrap();
        assert_eq!(server.introspect(token).await["active"], true);
        assert!(clients.insert(body["client_id"].as_str().unwrap().to_owned()));
    }
    let user = server.user_id("many@example.com").await;
    let events = agent_connect::server::db::events::list_recent(&server.state.db, &user, 200)
        .await
        .unwrap();
    for (_, agent) in &codes {
        let granted = format!("{agent} was granted quote");
        assert_eq!(
            events
                .iter()
                .filter(|e| EventDetail::describe(&e.detail, Locale::en) == granted)
                .count(),
            1,
            "{granted}"
        );
    }
}

/// Building an application while another one in the same process renders pages (as the test
/// servers do, and as an embedder starting a second instance would) must not stall a render.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pages_keep_rendering_while_other_applications_are_built() {
    let server = TestServer::start().await;
    let browser = server.sign_up("builds@example.com").await;
    let state = server.state.clone();
    let builds = tokio::spawn(async move {
        for _ in 0..40 {
            let _app = agent_connect::server::app(state.clone())
                .await
                .expect("app");
        }
    });
    let renders: Vec<_> = (0..8)
        .map(|_| {
            let browser = browser.clone();
            let url = server.url("/connect");
            tokio::spawn(async move {
                for _ in 0..25 {
                    let res = tokio::time::timeout(
                        std::time::Duration::from_secs(20),
                        browser.get(&url).header("accept", support::HTML).send(),
                    )
                    .await
                    .expect("a page rendered while an application was built answers")
                    .unwrap();
                    assert_eq!(res.status(), 200);
                }
            })
        })
        .collect();
    builds.await.unwrap();
    for render in renders {
        render.await.unwrap();
    }
}
