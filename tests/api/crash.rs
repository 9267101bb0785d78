//! Crash safety: the real server binary takes redemptions and is killed with `kill -9` midway;
//! every token answered with 200 works afterwards, and no code is half-consumed. On PostgreSQL
//! (the suite's second pass) two instances share the load and the survivor answers for the
//! other; on SQLite, where one server serves a database, the server is started again on the
//! same file.

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use agent_connect::lifetime::Lifetimes;
use agent_connect::scopes::Scopes;
use agent_connect::server::app::clock::SystemClock;
use agent_connect::server::app::config::ServeConfig;
use agent_connect::server::build_state;
use agent_connect::server::domain::Actor;
use agent_connect::server::domain::accounts;
use agent_connect::server::domain::agent_code::{self, CodeRequest};
use tokio::process::{Child, Command};

const CODES: usize = 150;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A stand-in for the built site, which `serve` insists on; this test never loads a page.
fn site(dir: &std::path::Path) -> std::path::PathBuf {
    let site = dir.join("site");
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    std::fs::write(site.join("pkg/agent-connect.js"), "").unwrap();
    site
}

async fn start(db: &str, port: u16, site: &std::path::Path) -> Child {
    let child = Command::new(env!("CARGO_BIN_EXE_agent-connect"))
        .arg("serve")
        .env("LEPTOS_SITE_ROOT", site)
        .env("DATABASE_URL", db)
        .env("AGENT_CONNECT_BIND", format!("127.0.0.1:{port}"))
        .env(
            "AGENT_CONNECT_PUBLIC_URL",
            format!("http://127.0.0.1:{port}"),
        )
        .env("AGENT_CONNECT_RESOURCE_CLIENT_ID", "rs")
        .env("AGENT_CONNECT_RESOURCE_CLIENT_SECRET", "rs-secret")
        .env("AGENT_CONNECT_RATE_LIMIT_PER_MINUTE", "100000")
        .env("LEPTOS_OUTPUT_NAME", "agent-connect")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("server starts");
    let health = format!("http://127.0.0.1:{port}/healthz");
    for _ in 0..200 {
        if reqwest::get(&health)
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return child;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server did not become healthy");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tokens_answered_before_a_kill_9_work_through_the_other_instance() {
    let dir = tempfile::tempdir().unwrap();
    let db = crate::support::database::fresh(dir.path(), "crash.db").await;

    let site = site(dir.path());

    // Issue the codes directly on the same database file, as the portal would.
    let state = build_state(ServeConfig::defaults(&db), Arc::new(SystemClock))
        .await
        .unwrap();
    let user = accounts::create(
        &state.db,
        &state.passwords,
        accounts::NewAccount {
            email: "crash@example.com",
            password: "correct horse battery",
            addr: None,
            at: state.now(),
        },
    )
    .await
    .unwrap();
    let mut codes = Vec::new();
    for _ in 0..CODES {
        let scopes = Scopes::parse("quote");
        let (code, _) = agent_code::issue(
            &state.db,
            &state.catalogue,
            Actor {
                user_id: &user.id,
                addr: Some([127, 0, 0, 1].into()),
                at: state.now(),
            },
            CodeRequest {
                scopes,
                agent_name: None,
                lifetimes: Lifetimes::default(),
                guard_network: false,
            },
        )
        .await
        .unwrap();
        codes.push(code.display());
    }
    state.db.close().await;

    let (port_a, port_b) = (free_port(), free_port());
    let sqlite = db.starts_with("sqlite");
    let mut victim = start(&db, port_a, &site).await;
    let survivor = if sqlite {
        None
    } else {
        Some(start(&db, port_b, &site).await)
    };
    let http = reqwest::Client::new();
    let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let tasks: Vec<_> = codes
        .iter()
        .cloned()
        .enumerate()
        .map(|(n, code)| {
            let http = http.clone();
            let done = done.clone();
            let port = if n % 2 == 0 || sqlite { port_a } else { port_b };
            let url = format!("http://127.0.0.1:{port}/oauth2/token");
            tokio::spawn(async move {
                let res = http
                    .post(url)
                    .form(&[
                        ("grant_type", "urn:agent-connect:grant-type:agent-auth-code"),
                        ("code", code.as_str()),
                    ])
                    .send()
                    .await
                    .ok()?;
                done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if res.status() != 200 {
                    return None;
                }
                let body: serde_json::Value = res.json().await.ok()?;
                Some((code, body["access_token"].as_str()?.to_owned()))
            })
        })
        .collect();
    // Kill one instance once a quarter of the redemptions have been answered: mid-load.
    while done.load(std::sync::atomic::Ordering::SeqCst) < CODES / 4 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    victim.start_kill().unwrap();
    victim.wait().await.unwrap();
    let _survivor = match survivor {
        Some(survivor) => survivor,
        None => start(&db, port_b, &site).await,
    };

    let mut answered = Vec::new();
    for task in tasks {
        if let Some(pair) = task.await.unwrap() {
            answered.push(pair);
        }
    }

    let base = format!("http://127.0.0.1:{port_b}");
    let mut alive = 0;
    for (_, token) in &answered {
        let body: serde_json::Value = http
            .post(format!("{base}/oauth2/introspect"))
            .basic_auth("rs", Some("rs-secret"))
            .form(&[("token", token.as_str())])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if body["active"] == true {
            alive += 1;
        }
    }
    // Codes never answered are either consumed with their grant, or untouched and still usable.
    let answered_codes: std::collections::HashSet<_> =
        answered.iter().map(|(code, _)| code.clone()).collect();
    let mut redeemable_after = 0;
    for code in codes.iter().filter(|c| !answered_codes.contains(*c)) {
        let res = http
            .post(format!("{base}/oauth2/token"))
            .form(&[
                ("grant_type", "urn:agent-connect:grant-type:agent-auth-code"),
                ("code", code.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert!(
            res.status() == 200 || res.status() == 400,
            "{}",
            res.status()
        );
        redeemable_after += usize::from(res.status() == 200);
    }
    let check = build_state(ServeConfig::defaults(&db), Arc::new(SystemClock))
        .await
        .unwrap();
    let orphans: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM agent_codes c WHERE c.used_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM grants g WHERE g.id = c.grant_id)",
    )
    .fetch_one(&check.db)
    .await
    .unwrap();
    println!(
        "crash: {} of {CODES} redemptions over two instances answered 200 around a kill -9 of one; {alive} of those tokens work through the other; \
         {redeemable_after} unanswered codes were still unused; {orphans} codes consumed without a grant",
        answered.len()
    );
    assert_eq!(alive, answered.len(), "every token that got a 200 survives");
    assert_eq!(orphans, 0, "consumption and grant commit together");
}
