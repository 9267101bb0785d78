//! A fuzz run over HTTP: starts the real `agent-connect` binary on a fresh SQLite database on
//! 127.0.0.1, sends random and mutated requests to every endpoint and server function, and
//! reports requests sent, 5xx answers by route, panics in the server's log and the server's
//! resident memory before and after. Loopback only.
//!
//! ```sh
//! cargo build --release --features ssr
//! cargo run --release --example fuzz_http --features ssr -- [--requests N] [--seconds S] [--server PATH]
//! ```
//!
//! Stops after `--requests` (default 200,000) or `--seconds` (default 300), whichever first.
//! Exits non-zero when it saw a panic or a 5xx.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rand::Rng;
use rand::seq::SliceRandom;
use tokio::sync::Mutex;

const ROUTES: &[&str] = &[
    "/healthz",
    "/metrics",
    "/login",
    "/signup",
    "/connect",
    "/security",
    "/device",
    "/device/qr",
    "/logout",
    "/oauth2/authorize",
    "/oauth2/authorize/decision",
    "/oauth2/token",
    "/oauth2/device_authorization",
    "/oauth2/introspect",
    "/oauth2/revoke",
    "/oauth2/register",
    "/.well-known/oauth-authorization-server",
    "/.well-known/oauth-protected-resource/mcp",
    "/mcp",
    "/mcp/agent",
    "/api/security",
    "/api/revoke_grant",
    "/api/revoke_all",
    "/api/connect",
    "/api/code_status",
    "/api/generate_code",
    "/api/new_code_form",
    "/api/page",
    "/api/sign_in",
    "/api/sign_up",
    "/api/consent",
    "/api/device",
    "/api/approve_device",
    "/api/deny_device",
    "/pkg/agent-connect.css",
    "/no/such/page",
];

const METHODS: &[&str] = &[
    "GET", "POST", "POST", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS",
];

const CONTENT_TYPES: &[&str] = &[
    "application/x-www-form-urlencoded",
    "application/json",
    "multipart/form-data; boundary=x",
    "text/plain",
    "application/cbor",
    "text/event-stream",
    "",
    "application/x-www-form-urlencoded; charset=\u{0}",
];

/// Well-formed bodies to mutate: what the endpoints expect.
const SEEDS: &[&str] = &[
    "grant_type=refresh_token&refresh_token=acrt_x&client_id=agent_x",
    "grant_type=authorization_code&code=acac_x&redirect_uri=http://127.0.0.1:9/cb&code_verifier=abc&client_id=x",
    "grant_type=urn:agent-connect:grant-type:agent-auth-code&code=K7QM-4XHD-92TB-VN3R-P",
    "grant_type=urn:ietf:params:oauth:grant-type:device_code&device_code=acdc_x&client_id=x",
    "client_id=x&scope=quote+account.read",
    "token=acat_x&token_type_hint=access_token",
    "email=a%40example.com&password=correct+horse+battery&next=%2Fconnect",
    "scopes[]=quote&scopes[]=trade.write&agent_name=Bot&confirm_high_risk=on&return_to=/connect",
    "user_code=BCDF-GHJK&grant_id=x",
    "response_type=code&client_id=x&redirect_uri=http://127.0.0.1:9/cb&code_challenge=abc&code_challenge_method=S256&decision=approve",
    r#"{"client_name":"Fuzz","redirect_uris":["http://127.0.0.1:9/cb"],"token_endpoint_auth_method":"client_secret_basic","grant_types":["authorization_code","refresh_token"]}"#,
    r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"fuzz","version":"1"}}}"#,
    r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"authenticate","arguments":{"code":"K7QM-4XHD-92TB-VN3R-P"}}}"#,
    r#"{"jsonrpc":"2.0","id":3,"method":"tools/list"}"#,
    r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
];

const NASTY: &[&str] = &[
    "%",
    "%FF",
    "%00",
    "\u{0}",
    "&&",
    "==",
    "[]",
    "[0]",
    "{",
    "}",
    "\"",
    "'",
    "\\",
    "\u{202e}",
    "../",
    "%2F%2E%2E",
    "😀",
    "\r\n",
    "9999999999999999999999",
    "-1",
    "null",
    "[[[[[[[[",
];

struct Options {
    requests: u64,
    seconds: u64,
    server: PathBuf,
}

fn options() -> Options {
    let mut options = Options {
        requests: 200_000,
        seconds: 300,
        server: std::env::current_exe()
            .ok()
            .and_then(|exe| Some(exe.parent()?.parent()?.join("agent-connect")))
            .unwrap_or_else(|| PathBuf::from("target/release/agent-connect")),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--requests" => options.requests = value.parse().expect("--requests N"),
            "--seconds" => options.seconds = value.parse().expect("--seconds S"),
            "--server" => options.server = value.into(),
            other => panic!("unknown flag {other}; use --requests, --seconds, --server"),
        }
    }
    options
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmRSS:"))
                .and_then(|line| line.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn random_text(rng: &mut impl Rng, max: usize) -> String {
    let len = rng.gen_range(0..max);
    (0..len)
        .map(|_| match rng.gen_range(0..4) {
            0 => NASTY.choose(rng).copied().unwrap_or("%").to_owned(),
            _ => char::from(rng.gen_range(0x20u8..0x7f)).to_string(),
        })
        .collect()
}

fn mutate(rng: &mut impl Rng, seed: &str) -> Vec<u8> {
    let mut bytes = seed.as_bytes().to_vec();
    for _ in 0..rng.gen_range(0..6) {
        if bytes.is_empty() {
            break;
        }
        let at = rng.gen_range(0..bytes.len());
        match rng.gen_range(0..5) {
            0 => bytes[at] = rng.r#gen(),
            1 => {
                bytes.remove(at);
            }
            2 => {
                let nasty = NASTY.choose(rng).copied().unwrap_or("%");
                bytes.splice(at..at, nasty.bytes());
            }
            3 => {
                let copy = bytes[at..].to_vec();
                bytes.extend_from_slice(&copy);
            }
            _ => bytes.truncate(at),
        }
    }
    bytes
}

fn body(rng: &mut impl Rng) -> Vec<u8> {
    match rng.gen_range(0..10) {
        0 => Vec::new(),
        1 => (0..rng.gen_range(0..2048)).map(|_| rng.r#gen()).collect(),
        2 => vec![b'a'; rng.gen_range(60_000..70_000)],
        3 => random_text(rng, 200).into_bytes(),
        _ => {
            let seed = SEEDS.choose(rng).copied().unwrap_or("");
            mutate(rng, seed)
        }
    }
}

fn query(rng: &mut impl Rng) -> String {
    match rng.gen_range(0..4) {
        0 => String::new(),
        1 => format!(
            "?{}",
            String::from_utf8_lossy(&{
                let seed = SEEDS.choose(rng).copied().unwrap_or("");
                mutate(rng, seed)
            })
        ),
        _ => format!("?{}={}", random_text(rng, 12), random_text(rng, 40)),
    }
    .chars()
    .filter(|c| c.is_ascii_graphic())
    .collect()
}

async fn one_request(
    rng: &mut rand::rngs::StdRng,
    base: &str,
    anonymous: &reqwest::Client,
    signed_in: &reqwest::Client,
) -> (String, Option<u16>) {
    let route = *ROUTES.choose(rng).expect("routes");
    let method = reqwest::Method::from_bytes(METHODS.choose(rng).expect("methods").as_bytes())
        .expect("method");
    let client = if rng.gen_bool(0.5) {
        signed_in
    } else {
        anonymous
    };
    let mut req = client
        .request(method, format!("{base}{route}{}", query(rng)))
        .timeout(Duration::from_secs(10));
    let content_type = *CONTENT_TYPES.choose(rng).expect("types");
    if !content_type.is_empty() {
        req = req.header("content-type", content_type);
    }
    if rng.gen_bool(0.5) {
        req = req.header("origin", base);
    } else if rng.gen_bool(0.3) {
        req = req.header(
            "origin",
            random_text(rng, 30).replace(['\r', '\n', '\u{0}'], ""),
        );
    }
    let accept = [
        "text/html",
        "application/json",
        "application/json, text/event-stream",
        "*/*",
        "text/event-stream",
    ];
    req = req.header("accept", *accept.choose(rng).expect("accept"));
    if rng.gen_bool(0.2) {
        let value = match rng.gen_range(0..4) {
            0 => format!("Bearer acat_{}", random_text(rng, 50)),
            1 => format!("Basic {}", random_text(rng, 40)),
            2 => "Basic cmVzb3VyY2Utc2VydmVyOnNlY3JldA==".to_owned(),
            _ => random_text(rng, 60),
        };
        let value: String = value
            .chars()
            .filter(|c| c.is_ascii_graphic() || *c == ' ')
            .collect();
        req = req.header("authorization", value);
    }
    if rng.gen_bool(0.2) {
        let id: String = random_text(rng, 40)
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        req = req.header("mcp-session-id", id);
    }
    if rng.gen_bool(0.1) {
        req = req.header(
            "mcp-protocol-version",
            ["2025-11-25", "2025-03-26", "1999-01-01", "x"]
                .choose(rng)
                .copied()
                .unwrap_or("x"),
        );
    }
    if rng.gen_bool(0.1) {
        req = req.header("x-forwarded-for", "203.0.113.9, ::1");
    }
    if rng.gen_bool(0.1) {
        req = req.header(
            "sec-fetch-site",
            ["same-origin", "cross-site", "none"]
                .choose(rng)
                .copied()
                .unwrap_or("none"),
        );
    }
    let req = req.body(body(rng));
    match req.send().await {
        Ok(res) => {
            let status = res.status().as_u16();
            // Read a little of the answer, then drop it: SSE streams stay open otherwise.
            let _ = tokio::time::timeout(Duration::from_millis(200), res.bytes()).await;
            (route.to_owned(), Some(status))
        }
        // A header value the client library itself refuses to send never reaches the server.
        Err(err) if err.is_builder() => (route.to_owned(), Some(0)),
        Err(_) => (route.to_owned(), None),
    }
}

#[tokio::main]
async fn main() {
    let options = options();
    assert!(
        options.server.exists(),
        "no server binary at {}; build it with `cargo build --release --features ssr` or pass --server",
        options.server.display()
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).expect("log file");
    let mut server = Command::new(&options.server)
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--public-url",
            &base,
        ])
        .env(
            "DATABASE_URL",
            format!("sqlite://{}?mode=rwc", dir.path().join("fuzz.db").display()),
        )
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::from(log))
        .spawn()
        .expect("start the server");
    let pid = server.id();

    let anonymous = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let signed_in = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let started = Instant::now();
    loop {
        if let Ok(res) = anonymous.get(format!("{base}/healthz")).send().await
            && res.status() == 200
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the server did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let res = signed_in
        .post(format!("{base}/api/sign_up"))
        .header("origin", &base)
        .form(&[
            ("email", "fuzz@example.com"),
            ("password", "correct horse battery"),
        ])
        .send()
        .await
        .expect("sign up");
    assert!(
        res.status().is_success(),
        "sign-up failed: {}",
        res.status()
    );

    let rss_before = rss_kib(pid);
    let sent = Arc::new(AtomicU64::new(0));
    let failures = Arc::new(Mutex::new(BTreeMap::<String, u64>::new()));
    let server_errors = Arc::new(Mutex::new(BTreeMap::<String, u64>::new()));
    let unsendable = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(options.seconds);
    let workers: Vec<_> = (0..16u64)
        .map(|worker| {
            let (base, anonymous, signed_in) = (base.clone(), anonymous.clone(), signed_in.clone());
            let (sent, failures, server_errors, unsendable) = (
                sent.clone(),
                failures.clone(),
                server_errors.clone(),
                unsendable.clone(),
            );
            let limit = options.requests;
            tokio::spawn(async move {
                let mut rng: rand::rngs::StdRng = rand::SeedableRng::seed_from_u64(worker);
                while Instant::now() < deadline && sent.fetch_add(1, Ordering::SeqCst) < limit {
                    let (route, status) =
                        one_request(&mut rng, &base, &anonymous, &signed_in).await;
                    match status {
                        Some(status) if status >= 500 => {
                            *server_errors
                                .lock()
                                .await
                                .entry(format!("{route} {status}"))
                                .or_default() += 1;
                        }
                        Some(0) => {
                            unsendable.fetch_add(1, Ordering::Relaxed);
                        }
                        Some(_) => {}
                        None => *failures.lock().await.entry(route).or_default() += 1,
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.expect("worker");
    }
    let elapsed = started.elapsed();
    // Let idle sessions and streams settle before measuring memory again.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_after = rss_kib(pid);
    let alive = server.try_wait().ok().flatten().is_none();
    let _ = server.kill();
    let _ = server.wait();
    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    let panics: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("panicked"))
        .collect();

    let total = sent.load(Ordering::SeqCst).min(options.requests);
    let server_errors = server_errors.lock().await;
    let failures = failures.lock().await;
    println!(
        "requests sent:       {total} in {:.1} s",
        elapsed.as_secs_f64()
    );
    println!("server still alive:  {alive}");
    println!(
        "5xx answers:         {}",
        server_errors.values().sum::<u64>()
    );
    for (route, count) in server_errors.iter() {
        println!("  {route}: {count}");
    }
    println!(
        "not sent (the client refused a random header): {}",
        unsendable.load(Ordering::Relaxed)
    );
    println!(
        "no answer (timeout or connection closed): {}",
        failures.values().sum::<u64>()
    );
    for (route, count) in failures.iter() {
        println!("  {route}: {count}");
    }
    println!("panics in server log: {}", panics.len());
    for line in panics.iter().take(10) {
        println!("  {line}");
    }
    println!(
        "server RSS:          {} KiB before, {} KiB after ({:+} KiB)",
        rss_before,
        rss_after,
        rss_after as i64 - rss_before as i64
    );
    let grew_too_much = rss_after.saturating_sub(rss_before) > 20 * 1024;
    if !panics.is_empty() || !server_errors.is_empty() || !alive || grew_too_much {
        std::process::exit(1);
    }
}
