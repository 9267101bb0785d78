//! The `agent-connect auth` client against a real server: login, status, token, refresh near
//! expiry, logout revoking on the server, and private token files.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::TestServer;
use serde_json::{Value, json};

struct Cli {
    home: tempfile::TempDir,
}

impl Cli {
    fn new() -> Self {
        Self {
            home: tempfile::tempdir().unwrap(),
        }
    }

    async fn run(&self, args: &[&str]) -> Output {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_agent-connect"))
            .args(args)
            .env("AGENT_CONNECT_HOME", self.home.path())
            .env_remove("AGENT_CONNECT_SERVER")
            .output()
            .await
            .unwrap()
    }

    fn tokens_dir(&self) -> PathBuf {
        self.home.path().join("tokens")
    }

    fn saved(&self) -> (PathBuf, Value) {
        let entries: Vec<_> = std::fs::read_dir(self.tokens_dir())
            .unwrap()
            .flatten()
            .collect();
        assert_eq!(entries.len(), 1, "one token file, no leftovers");
        let path = entries[0].path();
        let json = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        (path, json)
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn login_status_token_and_logout() {
    let server = TestServer::start().await;
    let cli = Cli::new();
    let code = server
        .code_for(
            "cli@example.com",
            &["quote", "trade.read"],
            Some("Build bot"),
        )
        .await;

    let pasted = format!("`{}`", code.to_lowercase());
    let out = cli
        .run(&[
            "auth",
            "login",
            "--auth-code",
            &pasted,
            "--server",
            &format!("{}/", server.base),
        ])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Signed in to") && stdout(&out).contains("Build bot"),
        "{}",
        stdout(&out)
    );

    let (path, saved) = cli.saved();
    assert_eq!(
        path.file_name().unwrap().to_str().unwrap(),
        saved["client_id"].as_str().unwrap()
    );
    assert_eq!(saved["server"], server.base.as_str());
    assert_eq!(saved["scope"], "quote trade.read");
    #[cfg(unix)]
    {
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&cli.tokens_dir()), 0o700);
    }

    let out = cli.run(&["auth", "status"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let status = stdout(&out);
    for expected in [
        server.base.as_str(),
        "Build bot",
        "quote trade.read",
        "expires in",
    ] {
        assert!(status.contains(expected), "{expected:?} in {status}");
    }

    let out = cli.run(&["auth", "token"]).await;
    let token = stdout(&out).trim().to_owned();
    assert_eq!(
        token,
        saved["access_token"].as_str().unwrap(),
        "a fresh token is printed as saved"
    );
    assert_eq!(server.introspect(&token).await["active"], true);

    let out = cli.run(&["auth", "logout"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        std::fs::read_dir(cli.tokens_dir())
            .unwrap()
            .next()
            .is_none(),
        "the file is deleted"
    );
    assert_eq!(
        server.introspect(&token).await,
        json!({"active": false}),
        "revoked on the server"
    );
    assert_eq!(
        server
            .introspect(saved["refresh_token"].as_str().unwrap())
            .await,
        json!({"active": false})
    );

    let out = cli.run(&["auth", "token"]).await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("Not signed in"), "{}", stderr(&out));
}

#[tokio::test]
async fn a_token_near_expiry_is_refreshed_and_the_rotation_saved() {
    let server = TestServer::start().await;
    let cli = Cli::new();
    let code = server.code_for("near@example.com", &["quote"], None).await;
    let out = cli
        .run(&[
            "auth",
            "login",
            "--auth-code",
            &code,
            "--server",
            &server.base,
            "--agent-name",
            "Nightly job",
        ])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let (path, mut saved) = cli.saved();
    assert_eq!(
        saved["agent_name"], "Nightly job",
        "the agent's name is used when the person gave none"
    );

    // Pretend the access token has 30 seconds left.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    saved["expires_at"] = json!(now + 30);
    std::fs::write(&path, serde_json::to_vec(&saved).unwrap()).unwrap();

    let out = cli.run(&["auth", "token"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let (path_after, rotated) = cli.saved();
    assert_eq!(path_after, path);
    assert_ne!(rotated["refresh_token"], saved["refresh_token"], "rotated");
    assert_ne!(rotated["access_token"], saved["access_token"]);
    assert_eq!(
        stdout(&out).trim(),
        rotated["access_token"].as_str().unwrap()
    );
    assert!(rotated["expires_at"].as_i64().unwrap() > now + 1700);
    #[cfg(unix)]
    assert_eq!(mode(&path), 0o600);
    assert_eq!(
        server
            .introspect(saved["refresh_token"].as_str().unwrap())
            .await,
        json!({"active": false})
    );
}

#[tokio::test]
async fn failures_say_what_to_do_next() {
    let server = TestServer::start().await;
    let cli = Cli::new();

    let out = cli
        .run(&[
            "auth",
            "login",
            "--auth-code",
            "ABCD-EFGH",
            "--server",
            &server.base,
        ])
        .await;
    assert!(!out.status.success());
    let message = stderr(&out);
    assert!(
        message.contains("invalid, expired or already used"),
        "{message}"
    );
    assert!(
        message.contains(&format!("{}/connect", server.base)),
        "{message}"
    );
    assert!(
        !cli.tokens_dir().exists()
            || std::fs::read_dir(cli.tokens_dir())
                .unwrap()
                .next()
                .is_none()
    );

    let out = cli
        .run(&[
            "auth",
            "login",
            "--auth-code",
            "ABCD",
            "--server",
            "http://127.0.0.1:9",
        ])
        .await;
    assert!(
        stderr(&out).contains("Could not reach http://127.0.0.1:9"),
        "{}",
        stderr(&out)
    );

    // A grant revoked in the portal: the next refresh explains how to sign in again.
    let code = server.code_for("gone@example.com", &["quote"], None).await;
    cli.run(&[
        "auth",
        "login",
        "--auth-code",
        &code,
        "--server",
        &server.base,
    ])
    .await;
    let (path, mut saved) = cli.saved();
    let user = server.user_id("gone@example.com").await;
    agent_connect::server::domain::grant::revoke_all(
        &server.state.db,
        &server.state.live_tokens,
        agent_connect::server::domain::Actor {
            user_id: &user.as_str().into(),
            addr: None,
            at: server.state.now(),
        },
    )
    .await
    .unwrap();
    saved["expires_at"] = json!(0);
    std::fs::write(&path, serde_json::to_vec(&saved).unwrap()).unwrap();
    let out = cli.run(&["auth", "status"]).await;
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no longer valid") && stderr(&out).contains("/connect"),
        "{}",
        stderr(&out)
    );
}

impl Cli {
    async fn login(&self, server: &TestServer, email: &str, scopes: &[&str]) {
        let code = server.code_for(email, scopes, Some("Bridge bot")).await;
        let out = self
            .run(&[
                "auth",
                "login",
                "--auth-code",
                &code,
                "--server",
                &server.base,
            ])
            .await;
        assert!(out.status.success(), "{}", stderr(&out));
    }
}

/// `auth header` prints the JSON a header helper (Claude Code's `headersHelper`) reads.
#[tokio::test]
async fn auth_header_prints_the_authorization_header_as_json() {
    let server = TestServer::start().await;
    let cli = Cli::new();
    cli.login(&server, "header@example.com", &["quote"]).await;
    let out = cli.run(&["auth", "header"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let header: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    let (_, saved) = cli.saved();
    assert_eq!(
        header,
        json!({"Authorization": format!("Bearer {}", saved["access_token"].as_str().unwrap())})
    );
    let value = header["Authorization"].as_str().unwrap();
    assert_eq!(
        server
            .introspect(value.strip_prefix("Bearer ").unwrap())
            .await["active"],
        true
    );
}

/// `agent-connect mcp` driven by an MCP client over stdio: the grant's tools, a refresh when
/// `/mcp` refuses an expired token mid-session, and refusals (a missing scope, a revoked
/// grant) that reach the model as tool errors with the person's next step.
#[tokio::test]
async fn the_stdio_bridge_serves_the_grant_and_words_every_refusal() {
    use rmcp::ServiceExt;
    use rmcp::model::CallToolRequestParams;

    let server = TestServer::start().await;
    let cli = Cli::new();
    cli.login(&server, "bridge@example.com", &["quote"]).await;
    let (_, before) = cli.saved();

    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_agent-connect"))
        .arg("mcp")
        .env("AGENT_CONNECT_HOME", cli.home.path())
        .env_remove("AGENT_CONNECT_SERVER")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let transport = (child.stdout.take().unwrap(), child.stdin.take().unwrap());
    let client = ().serve(transport).await.expect("initialize over stdio");

    let call = |tool: &'static str, args: Value| {
        let client = &client;
        async move {
            let mut params = CallToolRequestParams::new(tool);
            if let Value::Object(map) = args {
                params = params.with_arguments(map);
            }
            let result = client.call_tool(params).await.expect("a tool result");
            let text = result
                .content
                .iter()
                .filter_map(|c| c.as_text().map(|t| t.text.clone()))
                .collect::<Vec<_>>()
                .join("\n");
            (result.is_error.unwrap_or(false), text)
        }
    };

    let mut names: Vec<String> = client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["get_quote", "whoami"]);
    let (is_error, text) = call("get_quote", json!({"symbol": "SPY"})).await;
    assert!(!is_error && text.contains("SPY"), "{text}");

    // The server's clock passes the access token's expiry; the saved one still looks fresh
    // to the client, so the 401 is what makes it refresh, once, and the call goes through.
    server.clock.advance(31 * 60);
    let (is_error, text) = call("whoami", json!({})).await;
    assert!(!is_error && text.contains("Agent: Bridge bot"), "{text}");
    let (_, after) = cli.saved();
    assert_ne!(after["refresh_token"], before["refresh_token"], "rotated");
    assert_ne!(after["access_token"], before["access_token"]);

    // A tool outside the grant: the refusal with the link that grants it.
    let (is_error, text) = call(
        "place_order",
        json!({"symbol": "SPY", "side": "buy", "quantity": 1}),
    )
    .await;
    assert!(is_error, "{text}");
    assert!(
        text.contains("trade.write") && text.contains(&format!("{}/connect?", server.base)),
        "{text}"
    );

    // The person revokes the grant: the next call says so, and what to do.
    let grant = crate::mcp::grant_of(&server, after["access_token"].as_str().unwrap())
        .await
        .grant;
    agent_connect::server::domain::grant::revoke(
        &server.state.db,
        &server.state.live_tokens,
        &grant.id,
        agent_connect::server::domain::grant::Revocation::ByPerson {
            user_id: &grant.user_id,
        },
        None,
        server.state.now(),
    )
    .await
    .unwrap();
    let (is_error, text) = call("get_quote", json!({"symbol": "SPY"})).await;
    assert!(is_error, "{text}");
    assert!(
        text.contains("no longer valid") && text.contains(&format!("{}/connect", server.base)),
        "{text}"
    );
    client.cancel().await.unwrap();
    let _ = child.wait().await;
}
