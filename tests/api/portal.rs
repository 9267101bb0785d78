//! The portal over HTTP, as a browser without JavaScript uses it: sessions, forms answered by
//! redirects, errors kept in the session, and the security rules around them.

use crate::support::{HTML, TestServer, expect_refused, page, post_form, submit};
use reqwest::header::{ACCEPT, LOCATION, REFERER};

#[tokio::test]
async fn signed_in_pages_send_visitors_to_sign_in_and_back() {
    let server = TestServer::start().await;
    let browser = server.browser();
    for (path, next) in [("/connect", "%2Fconnect"), ("/security", "%2Fsecurity")] {
        let (status, _, location) = page(&browser, &server, path).await;
        assert_eq!(status, 302, "{path}");
        assert_eq!(
            location.as_deref(),
            Some(format!("/login?next={next}").as_str())
        );
    }
}

#[tokio::test]
async fn signing_in_without_javascript() {
    let server = TestServer::start().await;
    server.sign_up("ada@example.com").await;
    let browser = server.browser();

    // A wrong password and an unknown email: same redirect, same sentence, nothing in the URL.
    let mut answers = Vec::new();
    for (email, password) in [
        ("ada@example.com", "wrong password"),
        ("nobody@example.com", "correct horse battery"),
    ] {
        answers.push(
            expect_refused(
                &browser,
                &server,
                "/api/sign_in",
                "/login",
                &[("email", email), ("password", password), ("next", "")],
                "match an account",
            )
            .await,
        );
        let (_, again, _) = page(&browser, &server, "/login").await;
        assert!(!again.contains("role=\"alert\""), "the error is shown once");
    }
    assert_eq!(answers[0], answers[1]);
    assert!(
        answers[0].contains("don&#x27;t match an account")
            || answers[0].contains("don't match an account"),
        "{}",
        answers[0]
    );

    let res = post_form(
        &browser,
        &server,
        "/api/sign_in",
        "/login?next=%2Fsecurity",
        &[
            ("email", "ADA@example.com "),
            ("password", "correct horse battery"),
            ("next", "/security"),
        ],
    )
    .await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()[LOCATION], "/security");
    let (status, html, _) = page(&browser, &server, "/security").await;
    assert_eq!(status, 200);
    assert!(html.contains("AI Agent grants"));
}

#[tokio::test]
async fn signing_in_issues_a_new_session_id_and_signing_out_ends_it() {
    let server = TestServer::start().await;
    server.sign_up("bo@example.com").await;
    let raw = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = raw
        .post(server.url("/api/sign_in"))
        .form(&[
            ("email", "bo@example.com"),
            ("password", "correct horse battery"),
        ])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain http in local development"
    );
    let session = cookie.split(';').next().unwrap().to_owned();

    let signed_in = raw
        .get(server.url("/security"))
        .header("cookie", &session)
        .header(ACCEPT, HTML)
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200);
    let out = raw
        .post(server.url("/logout"))
        .header("cookie", &session)
        .header("origin", &server.base)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    // The old cookie is dead on the server, not just in the browser.
    let replay = raw
        .get(server.url("/security"))
        .header("cookie", &session)
        .header(ACCEPT, HTML)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 302);
}

#[tokio::test]
async fn generating_a_code_without_javascript() {
    let server = TestServer::start().await;
    let browser = server.sign_up("cy@example.com").await;

    // No scope, and a high-risk scope without its confirmation, are refused in words.
    for (form, expected) in [
        (&[("agent_name", "Bot")][..], "Pick at least one permission"),
        (
            &[("scopes[]", "trade.write")][..],
            "Tick the confirmation box",
        ),
    ] {
        expect_refused(
            &browser,
            &server,
            "/api/generate_code",
            "/connect",
            form,
            expected,
        )
        .await;
    }

    let landed = submit(
        &browser,
        &server,
        "/api/generate_code",
        "/connect",
        &[
            ("scopes[]", "quote"),
            ("scopes[]", "trade.read"),
            ("agent_name", "Bot"),
        ],
    )
    .await;
    assert_eq!(landed.location, "/connect");
    let html = landed.html;
    let code = shown_code(&html).expect("the code is shown");
    assert_eq!(code.len(), 26, "{code}");
    assert!(html.contains(&format!(
        "agent-connect auth login --auth-code {code} --server {}",
        server.base
    )));
    assert!(html.contains("Waiting for your agent"));

    let (status, body) = server.redeem(&code).await;
    assert_eq!(status, 200);
    assert_eq!(body["scope"], "quote trade.read");
    let (_, html, _) = page(&browser, &server, "/connect").await;
    assert!(
        html.contains("Redeemed by Bot"),
        "the page knows after a reload too"
    );
    assert!(
        !sessions_hold(&server, &code).await,
        "a redeemed code leaves the session"
    );
}

/// Whether any stored portal session contains `text`.
async fn sessions_hold(server: &TestServer, text: &str) -> bool {
    let rows: Vec<Vec<u8>> = sqlx::query_scalar("SELECT data FROM sessions")
        .fetch_all(&server.state.db)
        .await
        .unwrap();
    rows.iter()
        .any(|data| data.windows(text.len()).any(|w| w == text.as_bytes()))
}

#[tokio::test]
async fn an_expired_code_leaves_the_session() {
    let server = TestServer::start().await;
    let browser = server.sign_up("lapse@example.com").await;
    let landed = submit(
        &browser,
        &server,
        "/api/generate_code",
        "/connect",
        &[("scopes[]", "quote")],
    )
    .await;
    let code = shown_code(&landed.html).expect("the code is shown");
    assert!(
        sessions_hold(&server, &code).await,
        "kept for the no-JS page"
    );

    server.clock.advance(300);
    let res = browser
        .post(server.url("/api/code_status"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.text().await.unwrap(), "\"Expired\"");
    assert!(!sessions_hold(&server, &code).await);
    let (_, html, _) = page(&browser, &server, "/connect").await;
    assert!(shown_code(&html).unwrap_or_default().is_empty());
}

/// The text of the element named "Agent auth code", tags removed.
pub(crate) fn shown_code(html: &str) -> Option<String> {
    let rest = html.split("aria-label=\"Agent auth code\"").nth(1)?;
    let inner = &rest[rest.find('>')? + 1..rest.find("</div>")?];
    let mut text = String::new();
    let mut in_tag = false;
    for c in inner.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag && !c.is_whitespace() => text.push(c),
            _ => {}
        }
    }
    Some(text)
}

#[tokio::test]
async fn cross_site_posts_are_refused() {
    let server = TestServer::start().await;
    let browser = server.sign_up("di@example.com").await;
    let res = browser
        .post(server.url("/api/generate_code"))
        .header("origin", "https://evil.example")
        .form(&[("scopes[]", "quote")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = reqwest::Client::new()
        .post(server.url("/logout"))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = browser
        .post(server.url("/api/generate_code"))
        .header("origin", "null")
        .header("sec-fetch-site", "cross-site")
        .form(&[("scopes[]", "quote")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        403,
        "an opaque origin needs Fetch Metadata saying same-origin"
    );
}

#[tokio::test]
async fn a_form_answer_never_redirects_off_site() {
    let server = TestServer::start().await;
    let browser = server.browser();
    for evil in [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
    ] {
        let res = post_form(
            &browser,
            &server,
            "/api/sign_in",
            evil,
            &[("email", "a@b.co"), ("password", "x")],
        )
        .await;
        let location = res.headers()[LOCATION].to_str().unwrap().to_owned();
        assert!(
            location.starts_with('/') && !location.starts_with("//"),
            "{evil} -> {location}"
        );
    }
    // A Referer, when a browser does send one, still works.
    let res = browser
        .post(server.url("/api/sign_in"))
        .header(ACCEPT, HTML)
        .header(REFERER, server.url("/login?next=%2Fsecurity"))
        .form(&[("email", "a@b.co"), ("password", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()[LOCATION], "/login?next=%2Fsecurity");
}

#[tokio::test]
async fn pages_carry_security_headers() {
    let server = TestServer::start().await;
    let res = server.http.get(server.url("/login")).send().await.unwrap();
    let headers = res.headers();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("'nonce-"),
        "{csp}"
    );
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap()
        .to_owned();
    let html = res.text().await.unwrap();
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "inline scripts carry the nonce"
    );

    let res = server
        .http
        .post(server.url("/oauth2/token"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["content-security-policy"],
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
    );
}

#[tokio::test]
async fn sign_up_can_be_turned_off() {
    let server = TestServer::start_with(|config| config.signup = false).await;
    let res = server
        .browser()
        .post(server.url("/api/sign_up"))
        .form(&[
            ("email", "ed@example.com"),
            ("password", "correct horse battery"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("Sign-up is turned off"));
    let (_, html, _) = page(&server.browser(), &server, "/signup").await;
    assert!(html.contains("Sign-up is closed"));
}

#[tokio::test]
async fn the_security_page_lists_and_revokes_grants() {
    let server = TestServer::start().await;
    let browser = server.sign_up("fa@example.com").await;
    for name in ["Alpha", "Beta"] {
        let code = server
            .code_for("fa@example.com", &["quote"], Some(name))
            .await;
        assert_eq!(server.redeem(&code).await.0, 200);
    }
    let (_, html, _) = page(&browser, &server, "/security").await;
    assert!(html.contains("Alpha") && html.contains("Beta") && html.contains("Agent auth code"));
    assert!(html.contains("Code redeemed") && html.contains("Code issued"));

    let user = server.user_id("fa@example.com").await;
    let grants =
        agent_connect::server::db::grants::list_active(&server.state.db, &user, server.state.now())
            .await
            .unwrap();
    let alpha = grants.iter().find(|g| g.agent_name == "Alpha").unwrap();
    let (_, confirm, _) = page(
        &browser,
        &server,
        &format!("/security?confirm={}", alpha.id),
    )
    .await;
    assert!(confirm.contains("Yes, revoke"));
    let res = post_form(
        &browser,
        &server,
        "/api/revoke_grant",
        "/security",
        &[("grant_id", &alpha.id)],
    )
    .await;
    assert_eq!(res.headers()[LOCATION], "/security?done=revoked");
    let (_, html, _) = page(&browser, &server, "/security?done=revoked").await;
    assert!(!html.contains(">Alpha<") && html.contains(">Beta<"));
    assert!(html.contains("Access revoked"));

    // Another account cannot revoke Beta.
    let intruder = server.sign_up("gu@example.com").await;
    let beta = grants.iter().find(|g| g.agent_name == "Beta").unwrap();
    post_form(
        &intruder,
        &server,
        "/api/revoke_grant",
        "/security",
        &[("grant_id", &beta.id)],
    )
    .await;
    let (_, html, _) = page(&browser, &server, "/security").await;
    assert!(html.contains(">Beta<"));

    post_form(&browser, &server, "/api/revoke_all", "/security", &[]).await;
    let (_, html, _) = page(&browser, &server, "/security").await;
    assert!(html.contains("No agents have access to your account."));
}

#[tokio::test]
async fn sign_in_and_code_generation_are_rate_limited() {
    let server = TestServer::start_with(|config| config.rate_limit_per_minute = 2).await;
    let browser = server.sign_up("rl@example.com").await;
    for expected in [200, 200, 429] {
        let res = browser
            .post(server.url("/api/generate_code"))
            .form(&[("scopes[]", "quote")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), expected);
        if expected == 429 {
            assert!(res.headers().contains_key("retry-after"));
            assert!(res.text().await.unwrap().contains("RateLimited"));
        }
    }
    let anonymous = server.browser();
    // Sign-up already used one attempt of this address's sign-in bucket.
    let res = anonymous
        .post(server.url("/api/sign_in"))
        .form(&[("email", "rl@example.com"), ("password", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let res = anonymous
        .post(server.url("/api/sign_in"))
        .form(&[("email", "rl@example.com"), ("password", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
}

#[tokio::test]
async fn an_operator_scope_file_replaces_the_catalogue() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scopes.toml");
    std::fs::write(
        &file,
        "[[scope]]\nname = \"files.read\"\ntitle = \"Read files\"\ndescription = \"List and read your files.\"\n\
         [[scope]]\nname = \"files.delete\"\ntitle = \"Delete files\"\ndescription = \"Gone for good.\"\nhigh_risk = true\n",
    )
    .unwrap();
    let server = TestServer::start_with(|config| config.scopes_file = Some(file.clone())).await;
    let browser = server.sign_up("ops@example.com").await;
    let (_, html, _) = page(&browser, &server, "/connect").await;
    assert!(html.contains("Read files") && html.contains("Delete files"));
    assert!(html.contains("I understand this agent can delete files"));
    assert!(!html.contains("Market data"));
    let res = post_form(
        &browser,
        &server,
        "/api/generate_code",
        "/connect",
        &[("scopes[]", "quote")],
    )
    .await;
    assert_eq!(res.status(), 302);
    let (_, html, _) = page(&browser, &server, "/connect").await;
    assert!(html.contains("is not a permission this server offers"));
    post_form(
        &browser,
        &server,
        "/api/generate_code",
        "/connect",
        &[("scopes[]", "files.read")],
    )
    .await;
    let (_, html, _) = page(&browser, &server, "/connect").await;
    assert!(html.contains("Permissions granted: files.read"));
}

#[tokio::test]
async fn operators_create_accounts_from_the_command_line() {
    use tokio::io::AsyncWriteExt;
    let server = TestServer::start_with(|config| config.signup = false).await;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_agent-connect"))
        .args(["user", "create", "--email", "Op@Example.com"])
        .env("DATABASE_URL", &server.state.config.database.database_url)
        .env("RUST_LOG", "error")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a long enough password\n")
        .await
        .unwrap();
    let out = child.wait_with_output().await.unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Created account op@example.com"));
    let res = server
        .browser()
        .post(server.url("/api/sign_in"))
        .form(&[
            ("email", "op@example.com"),
            ("password", "a long enough password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "the new account signs in");
}

/// SECURITY.md: the same response time whether or not the account exists. Printed as a ratio,
/// not asserted: timings on a shared machine are too noisy for a pass/fail line.
#[tokio::test]
async fn sign_in_timing_report() {
    let server = TestServer::start().await;
    server.sign_up("timing@example.com").await;
    let client = server.browser();
    let mut mean = Vec::new();
    for email in ["timing@example.com", "nobody-here@example.com"] {
        let rounds = 8;
        let started = std::time::Instant::now();
        for _ in 0..rounds {
            let res = client
                .post(server.url("/api/sign_in"))
                .form(&[("email", email), ("password", "wrong password here")])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 400);
        }
        mean.push(started.elapsed().as_secs_f64() * 1000.0 / f64::from(rounds));
    }
    println!(
        "sign-in timing: wrong password {:.1} ms, unknown email {:.1} ms, ratio {:.2}",
        mean[0],
        mean[1],
        mean[1] / mean[0]
    );
}

/// leptos_axum renders the app once at start-up, outside any request, to list its routes;
/// the server functions the pages start must then fail quietly instead of panicking.
#[tokio::test]
async fn server_functions_outside_a_request_fail_without_panicking() {
    use agent_connect::error::AppError;
    assert_eq!(
        agent_connect::api::account::fetch_page_context()
            .await
            .unwrap_err(),
        AppError::Internal
    );
    assert_eq!(
        agent_connect::api::connect::fetch_connect_view()
            .await
            .unwrap_err(),
        AppError::Internal
    );
    assert_eq!(
        agent_connect::api::security::fetch_security_view()
            .await
            .unwrap_err(),
        AppError::Internal
    );
}

/// A setting the build cannot honour stops `serve` at start-up with one clear line, naming what
/// is supported, and leaves nothing behind (no SQLite file made out of another URL).
#[tokio::test]
async fn serve_refuses_settings_it_cannot_honour() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    std::fs::write(site.join("pkg/agent-connect.js"), "").unwrap();
    let serve = |database_url: &str, site_root: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_agent-connect"))
            .arg("serve")
            .current_dir(dir.path())
            .env("DATABASE_URL", database_url)
            .env("LEPTOS_SITE_ROOT", site_root)
            .env("AGENT_CONNECT_BIND", "127.0.0.1:0")
            .env("RUST_LOG", "error")
            .output()
            .unwrap()
    };

    let out = serve("mysql://admin:hunter2@127.0.0.1:55432/agent_connect", &site);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.starts_with("error: unsupported DATABASE_URL scheme `mysql:`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("sqlite://") && stderr.contains("postgres://"),
        "names what is supported: {stderr}"
    );
    assert!(
        !stderr.contains("hunter2"),
        "never echoes a password: {stderr}"
    );
    assert!(
        !dir.path().join("mysql:").exists(),
        "no SQLite file was made of the URL"
    );

    // A PostgreSQL server that is not there: one line, no password, no fallback to SQLite.
    let out = serve("postgres://admin:hunter2@127.0.0.1:9/agent_connect", &site);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.starts_with("error: cannot open the PostgreSQL database"),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"), "{stderr}");
    assert!(!dir.path().join("data").exists(), "no SQLite fallback");

    let out = serve("sqlite::memory:", &site);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("in-memory"), "{stderr}");

    let out = serve("sqlite://db.sqlite?mode=rwc", &dir.path().join("nowhere"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains("no built site in"), "{stderr}");

    // A SQLite database another server already serves: one line, pointing at PostgreSQL.
    let held = std::fs::File::create(dir.path().join("busy.sqlite.server-lock")).unwrap();
    held.try_lock().unwrap();
    let out = serve("sqlite://busy.sqlite?mode=rwc", &site);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.starts_with("error: another Agent Connect server already serves")
            && stderr.contains("PostgreSQL"),
        "{stderr}"
    );
    assert!(!dir.path().join("busy.sqlite").exists(), "nothing opened");
}

#[tokio::test]
async fn next_never_leads_off_site_nor_breaks_the_answer() {
    let server = TestServer::start().await;
    let browser = server.sign_up("nx@example.com").await;
    // A signed-in visitor on /login goes straight to `next`, when it is a path on this site.
    let (status, _, location) = page(&browser, &server, "/login?next=%2Fsecurity").await;
    assert_eq!((status, location.as_deref()), (302, Some("/security")));
    for next in [
        "/%5Cevil.example",
        "%2F%5Cevil.example",
        "%2F%255Cevil.example",
        "%2F%2Fevil.example",
        "https%3A%2F%2Fevil.example",
        "%2F%09%2Fevil.example",
        "%2F%0D%0ASet-Cookie%3A%20x%3D1",
        "%2F%00",
    ] {
        let (status, _, location) = page(&browser, &server, &format!("/login?next={next}")).await;
        assert_eq!(
            (status, location.as_deref()),
            (302, Some("/connect")),
            "{next}"
        );
    }
    // Signing in (and up) with such a `next`, with and without JavaScript.
    let visitor = server.browser();
    for next in ["/\\evil.example", "/\r\nSet-Cookie: x=1", "//evil.example"] {
        let res = post_form(
            &visitor,
            &server,
            "/api/sign_in",
            "/login",
            &[
                ("email", "nx@example.com"),
                ("password", "correct horse battery"),
                ("next", next),
            ],
        )
        .await;
        assert_eq!(res.status(), 302, "{next:?}");
        assert_eq!(res.headers()[LOCATION], "/connect", "{next:?}");
        let res = visitor
            .post(server.url("/api/sign_up"))
            .form(&[
                ("email", "nx2@example.com"),
                ("password", "correct horse battery"),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert!(res.status().as_u16() < 500, "{next:?}: {}", res.status());
        if let Some(location) = res.headers().get(LOCATION) {
            assert_eq!(location, "/connect", "{next:?}");
        }
    }
}

#[tokio::test]
async fn a_form_answer_survives_control_characters_in_return_to() {
    let server = TestServer::start().await;
    let browser = server.browser();
    for from in ["/login\r\nSet-Cookie: x=1", "/\u{0}", "/%5C%5Cevil.example"] {
        let res = post_form(
            &browser,
            &server,
            "/api/sign_in",
            from,
            &[("email", "a@b.co"), ("password", "x")],
        )
        .await;
        assert!(res.status().as_u16() < 500, "{from:?}");
        let location = res.headers()[LOCATION].to_str().unwrap().to_owned();
        assert!(
            location.starts_with('/') && !location.starts_with("//") && !location.contains('\\'),
            "{from:?} -> {location}"
        );
    }
}

#[tokio::test]
async fn an_origin_matching_only_the_host_header_is_cross_site() {
    let server = TestServer::start().await;
    let browser = server.sign_up("ho@example.com").await;
    let res = browser
        .post(server.url("/api/generate_code"))
        .header("origin", "http://evil.example")
        .header("host", "evil.example")
        .form(&[("scopes[]", "quote")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

/// An unknown address is the portal's own 404 page, rendered inside the visitor's session like
/// every other page (the header still knows who is signed in).
#[tokio::test]
async fn an_unknown_page_is_a_404_within_the_session() {
    let server = TestServer::start().await;
    let (status, html, _) = page(&server.browser(), &server, "/no-such-page").await;
    assert_eq!(status, 404);
    assert!(!html.contains("Sign out"), "{html}");
    let browser = server.sign_up("lost@example.com").await;
    let (status, html, _) = page(&browser, &server, "/no-such-page").await;
    assert_eq!(status, 404);
    assert!(html.contains("Sign out"), "{html}");
}
