//! What the tests share: a real Agent Connect on a loopback port, on its own fresh database
//! ([`database`]: a SQLite file, or a PostgreSQL schema) and a clock the test moves
//! ([`TestServer`]); the same application driven without a socket ([`oneshot`]); and the rows
//! a test needs to exist first ([`rows`]).

pub mod balancer;
pub mod database;
pub mod documents;
pub mod oneshot;
pub mod rows;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use agent_connect::lifetime::Lifetimes;
use agent_connect::server::app;
use agent_connect::server::app::clock::ManualClock;
use agent_connect::server::app::config::ServeConfig;
use agent_connect::server::app::state::AppState;
use agent_connect::server::build_state;
use agent_connect::server::domain::Actor;
use agent_connect::server::domain::agent_code::{self, CodeRequest};
use reqwest::header::{ACCEPT, HeaderMap, HeaderValue, LOCATION, ORIGIN};
use serde_json::Value;

pub const AGENT_CODE_GRANT: &str = "urn:agent-connect:grant-type:agent-auth-code";
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
pub const START: i64 = 1_800_000_000;
pub const RESOURCE_ID: &str = "resource-server";
pub const RESOURCE_SECRET: &str = "resource-secret";
/// Longest a test waits for one answer: a request that hangs fails its test, with the request
/// named, instead of stalling the whole run.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// What a browser sends as `Accept` for a page.
pub const HTML: &str = "text/html,application/xhtml+xml";

pub struct TestServer {
    pub base: String,
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    pub http: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts a server after `tweak` has adjusted the test configuration.
    pub async fn start_with(tweak: impl FnOnce(&mut ServeConfig)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = database::fresh(dir.path(), "test.db").await;
        let mut config = ServeConfig::defaults(&url);
        config.resource_client_id = Some(RESOURCE_ID.into());
        config.resource_client_secret = Some(RESOURCE_SECRET.into());
        config.rate_limit_per_minute = 10_000;
        Self::launch(config, ManualClock::starting_at(START), dir, tweak).await
    }

    /// A second instance with this one's settings, database and clock, as behind a load
    /// balancer.
    pub async fn start_beside(&self) -> Self {
        let config = ServeConfig::clone(&self.state.config);
        let dir = tempfile::tempdir().expect("temp dir");
        Self::launch(config, self.clock.clone(), dir, |_| {}).await
    }

    async fn launch(
        mut config: ServeConfig,
        clock: Arc<ManualClock>,
        dir: tempfile::TempDir,
        tweak: impl FnOnce(&mut ServeConfig),
    ) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        config.bind = addr;
        config.public_url = format!("http://{addr}").parse().expect("url");
        tweak(&mut config);
        let state = build_state(config, clock.clone()).await.expect("state");
        let router = app(state.clone()).await.expect("app");
        tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .expect("serve");
        });
        Self {
            base: format!("http://{addr}"),
            state,
            clock,
            http: reqwest::Client::builder()
                .timeout(REQUEST_TIMEOUT)
                .build()
                .expect("client"),
            _dir: dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A browser-like client: keeps cookies, sends our Origin, follows no redirects.
    pub fn browser(&self) -> reqwest::Client {
        let mut headers = HeaderMap::new();
        headers.insert(ORIGIN, HeaderValue::from_str(&self.base).unwrap());
        reqwest::Client::builder()
            .cookie_store(true)
            .timeout(REQUEST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .unwrap()
    }

    /// Creates an account through the sign-up server function; returns the signed-in client.
    pub async fn sign_up(&self, email: &str) -> reqwest::Client {
        let browser = self.browser();
        let res = browser
            .post(self.url("/api/sign_up"))
            .form(&[
                ("email", email),
                ("password", "correct horse battery"),
                ("next", "/connect"),
            ])
            .send()
            .await
            .unwrap();
        assert!(
            res.status().is_success(),
            "sign-up failed: {}",
            res.text().await.unwrap()
        );
        browser
    }

    /// Signs in to an existing account through the sign-in server function.
    pub async fn sign_in(&self, email: &str) -> reqwest::Client {
        let browser = self.browser();
        let res = browser
            .post(self.url("/api/sign_in"))
            .form(&[
                ("email", email),
                ("password", "correct horse battery"),
                ("next", "/security"),
            ])
            .send()
            .await
            .unwrap();
        assert!(
            res.status().is_success(),
            "sign-in failed: {}",
            res.text().await.unwrap()
        );
        browser
    }

    pub async fn user_id(&self, email: &str) -> String {
        agent_connect::server::db::users::find_by_email(&self.state.db, email)
            .await
            .unwrap()
            .expect("user")
            .id
            .into_string()
    }

    /// An account and a fresh code for `scopes`, issued as the portal does, for a grant with
    /// no time limits (kept alive by refreshes).
    pub async fn code_for(&self, email: &str, scopes: &[&str], agent_name: Option<&str>) -> String {
        self.code_lasting(email, scopes, agent_name, Lifetimes::UNLIMITED)
            .await
    }

    /// [`Self::code_for`] with the lifetimes chosen on /connect.
    pub async fn code_lasting(
        &self,
        email: &str,
        scopes: &[&str],
        agent_name: Option<&str>,
        lifetimes: Lifetimes,
    ) -> String {
        if agent_connect::server::db::users::find_by_email(&self.state.db, email)
            .await
            .unwrap()
            .is_none()
        {
            self.sign_up(email).await;
        }
        let user = self.user_id(email).await;
        let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
        let (code, _) = agent_code::issue(
            &self.state.db,
            &self.state.catalogue,
            Actor {
                user_id: &user.as_str().into(),
                addr: Some([127, 0, 0, 1].into()),
                at: self.state.now(),
            },
            CodeRequest {
                scopes: scopes.into(),
                agent_name: agent_name.map(str::to_owned),
                lifetimes,
                guard_network: false,
            },
        )
        .await
        .unwrap();
        code.display()
    }

    /// Approves, as the person does on /connect, every grant of the account whose high-risk
    /// permissions wait for it.
    pub async fn approve_pending(&self, email: &str) {
        let user = self.user_id(email).await;
        let now = self.state.now();
        let live = agent_connect::server::db::grants::list_active(&self.state.db, &user, now)
            .await
            .unwrap();
        for grant in live.iter().filter(|g| g.pending_until.is_some()) {
            agent_connect::server::domain::grant::approve(
                &self.state.db,
                &self.state.live_tokens,
                &grant.id,
                agent_connect::server::domain::Actor {
                    user_id: &user.as_str().into(),
                    addr: None,
                    at: now,
                },
            )
            .await
            .unwrap()
            .expect("a grant waiting for approval");
        }
    }

    pub async fn token(&self, form: &[(&str, &str)]) -> (u16, Value) {
        let res = self
            .http
            .post(self.url("/oauth2/token"))
            .form(form)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub async fn redeem(&self, code: &str) -> (u16, Value) {
        self.token(&[("grant_type", AGENT_CODE_GRANT), ("code", code)])
            .await
    }

    pub async fn introspect(&self, token: &str) -> Value {
        let res = self
            .http
            .post(self.url("/oauth2/introspect"))
            .basic_auth(RESOURCE_ID, Some(RESOURCE_SECRET))
            .form(&[("token", token)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        res.json().await.unwrap()
    }
}

/// GETs a page as a browser; returns status, body and `Location`.
pub async fn page(
    client: &reqwest::Client,
    server: &TestServer,
    path: &str,
) -> (u16, String, Option<String>) {
    let res = client
        .get(server.url(path))
        .header(ACCEPT, HTML)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get(LOCATION)
        .map(|v| v.to_str().unwrap().to_owned());
    (status, res.text().await.unwrap(), location)
}

/// Posts a form the way Chromium does from our pages without JavaScript: no Referer (the
/// pages send none), `Origin: null`, Fetch Metadata, and the page in the `return_to` field.
pub async fn post_form(
    client: &reqwest::Client,
    server: &TestServer,
    action: &str,
    from: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let mut fields = form.to_vec();
    fields.push(("return_to", from));
    client
        .post(server.url(action))
        .header(ACCEPT, HTML)
        .header("origin", "null")
        .header("sec-fetch-site", "same-origin")
        .form(&fields)
        .send()
        .await
        .unwrap()
}

/// Where a form posted without JavaScript landed: the redirect's target and the page there.
pub struct Landed {
    pub location: String,
    pub html: String,
}

/// Posts a form as [`post_form`] does, expects the redirect every portal form answers with,
/// and loads the page it leads to.
pub async fn submit(
    client: &reqwest::Client,
    server: &TestServer,
    action: &str,
    from: &str,
    form: &[(&str, &str)],
) -> Landed {
    let res = post_form(client, server, action, from, form).await;
    assert_eq!(res.status(), 302, "{action} answers with a redirect");
    let location = res.headers()[LOCATION].to_str().unwrap().to_owned();
    let (status, html, _) = page(client, server, &location).await;
    assert_eq!(status, 200, "{action} led to {location}");
    Landed { location, html }
}

/// The text inside the page's alert (the error a refused form carried back), if it shows one.
pub fn alert(html: &str) -> Option<String> {
    let rest = html.split("role=\"alert\"").nth(1)?;
    Some(rest[..rest.find("</div>").unwrap_or(rest.len())].to_owned())
}

/// Posts a form that must be refused: it comes back to `from` (the error stays out of the URL)
/// and the page there shows `expected` in its alert. Returns the alert's text.
pub async fn expect_refused(
    client: &reqwest::Client,
    server: &TestServer,
    action: &str,
    from: &str,
    form: &[(&str, &str)],
    expected: &str,
) -> String {
    let landed = submit(client, server, action, from, form).await;
    assert_eq!(
        landed.location, from,
        "a refused form returns where it came from"
    );
    let alert = alert(&landed.html).unwrap_or_else(|| panic!("{action}: no alert"));
    assert!(alert.contains(expected), "{action}: {alert}");
    alert
}
