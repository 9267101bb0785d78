//! Many agents racing to redeem one code against a real server: exactly one wins.

use crate::support;
use crate::support::TestServer;

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
