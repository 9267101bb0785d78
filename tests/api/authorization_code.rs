//! The authorization code flow with PKCE: the consent page, the decision, the exchange, and
//! every refusal SECURITY.md lists (RFC 6749 section 4.1, RFC 7636, RFC 9700).

use crate::support::{TestServer, page};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::header::{ACCEPT, LOCATION};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const REDIRECT: &str = "http://127.0.0.1:8976/callback";

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

struct Flow {
    server: TestServer,
    browser: reqwest::Client,
    client_id: String,
}

impl Flow {
    async fn start() -> Self {
        let server = TestServer::start().await;
        let client_id = register(&server, "Desktop MCP client").await;
        let browser = server.sign_up("oauth@example.com").await;
        Self {
            server,
            browser,
            client_id,
        }
    }

    fn authorize_url(&self, extra: &[(&str, &str)]) -> String {
        let challenge = challenge(VERIFIER);
        let mut params = vec![
            ("response_type", "code"),
            ("client_id", self.client_id.as_str()),
            ("redirect_uri", REDIRECT),
            ("scope", "quote trade.read"),
            ("state", "xyz 1"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ];
        for (name, value) in extra {
            params.retain(|(n, _)| n != name);
            if !value.is_empty() {
                params.push((name, value));
            }
        }
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        self.server.url(&format!("/oauth2/authorize?{query}"))
    }

    /// Opens the consent page; returns status, body and Location.
    async fn open(&self, url: &str) -> (u16, String, Option<String>) {
        let res = self
            .browser
            .get(url)
            .header(ACCEPT, "text/html")
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

    /// Posts the consent form as the page would, and returns where the browser is sent.
    async fn decide(&self, decision: &str, fields: &[(&str, &str)]) -> url::Url {
        let challenge = challenge(VERIFIER);
        let mut form = vec![
            ("response_type", "code"),
            ("client_id", self.client_id.as_str()),
            ("redirect_uri", REDIRECT),
            ("scope", "quote trade.read"),
            ("state", "xyz 1"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
            ("decision", decision),
        ];
        form.extend_from_slice(fields);
        let res = self
            .browser
            .post(self.server.url("/oauth2/authorize/decision"))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let html = res.text().await.unwrap();
        let start = html.find("url=").expect("forwarding page") + 4;
        let end = start + html[start..].find('"').unwrap();
        url::Url::parse(&html[start..end].replace("&amp;", "&")).unwrap()
    }

    async fn approve(&self) -> String {
        let back = self.decide("approve", &[]).await;
        query(&back, "code").expect("a code")
    }

    async fn exchange(&self, code: &str, verifier: &str, client_id: &str) -> (u16, Value) {
        self.server
            .token(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT),
                ("client_id", client_id),
                ("code_verifier", verifier),
            ])
            .await
    }
}

async fn register(server: &TestServer, name: &str) -> String {
    let res = server
        .http
        .post(server.url("/oauth2/register"))
        .json(&json!({"client_name": name, "redirect_uris": ["http://127.0.0.1/callback"],
                      "grant_types": ["authorization_code", "refresh_token"], "token_endpoint_auth_method": "none"}))
        .send()
        .await
        .unwrap();
    res.json::<Value>().await.unwrap()["client_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn query(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn consent_then_code_then_tokens() {
    let flow = Flow::start().await;
    let (status, html, _) = flow.open(&flow.authorize_url(&[])).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Allow Desktop MCP client to act for you?"),
        "client name"
    );
    assert!(
        html.contains("127.0.0.1")
            && html.contains("Market data")
            && html.contains("Order history")
    );

    let back = flow.decide("approve", &[]).await;
    assert_eq!(
        back.port(),
        Some(8976),
        "a loopback redirect may use any port"
    );
    assert_eq!(query(&back, "state").as_deref(), Some("xyz 1"));
    assert_eq!(
        query(&back, "iss").as_deref(),
        Some(flow.server.base.as_str()),
        "RFC 9207"
    );
    let code = query(&back, "code").unwrap();

    let (status, tokens) = flow.exchange(&code, VERIFIER, &flow.client_id).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["scope"], "quote trade.read");
    assert_eq!(tokens["client_id"], flow.client_id.as_str());
    let answer = flow
        .server
        .introspect(tokens["access_token"].as_str().unwrap())
        .await;
    assert_eq!(answer["active"], true);

    let (_, html, _) = flow.open(&flow.server.url("/security")).await;
    assert!(
        html.contains("Desktop MCP client") && html.contains("Browser sign-in (OAuth)"),
        "listed on /security"
    );
}

#[tokio::test]
async fn pkce_is_required_and_checked() {
    let flow = Flow::start().await;
    let code = flow.approve().await;
    let other = "x".repeat(43);
    let (status, body) = flow.exchange(&code, &other, &flow.client_id).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "wrong verifier"
    );
    let (status, body) = flow
        .server
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_id", &flow.client_id),
        ])
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "missing verifier"
    );
    // Neither failure used the code up.
    assert_eq!(flow.exchange(&code, VERIFIER, &flow.client_id).await.0, 200);

    for (extra, why) in [
        (vec![("code_challenge_method", "plain")], "plain"),
        (
            vec![("code_challenge", ""), ("code_challenge_method", "")],
            "no challenge",
        ),
        (vec![("response_type", "token")], "implicit"),
        (vec![("scope", "admin")], "unknown scope"),
    ] {
        let (status, _, location) = flow.open(&flow.authorize_url(&extra)).await;
        assert_eq!(status, 302, "{why}");
        let back = url::Url::parse(&location.unwrap()).unwrap();
        assert!(
            back.as_str().starts_with(REDIRECT),
            "{why}: back to the verified redirect URI"
        );
        assert!(query(&back, "error").is_some(), "{why}");
        assert_eq!(query(&back, "state").as_deref(), Some("xyz 1"));
    }
}

#[tokio::test]
async fn unknown_clients_and_redirect_uris_are_shown_never_redirected() {
    let flow = Flow::start().await;
    for (extra, why) in [
        (
            vec![("redirect_uri", "http://127.0.0.1:8976/callback/")],
            "trailing slash",
        ),
        (
            vec![("redirect_uri", "http://127.0.0.1:8976/Callback")],
            "case",
        ),
        (
            vec![("redirect_uri", "https://evil.example/callback")],
            "another host",
        ),
        (vec![("client_id", "client_unknown")], "unknown client"),
    ] {
        let (status, html, location) = flow.open(&flow.authorize_url(&extra)).await;
        assert_eq!((status, location), (400, None), "{why}");
        assert!(
            html.contains("role=\"alert\"") && html.contains("can&#x27;t continue")
                || html.contains("can't continue"),
            "{why}"
        );
    }
}

#[tokio::test]
async fn a_reused_code_fails_and_revokes_what_it_issued() {
    let flow = Flow::start().await;
    let code = flow.approve().await;
    let (_, first) = flow.exchange(&code, VERIFIER, &flow.client_id).await;
    let (status, body) = flow.exchange(&code, VERIFIER, &flow.client_id).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(
        flow.server
            .introspect(first["access_token"].as_str().unwrap())
            .await,
        json!({"active": false})
    );
}

#[tokio::test]
async fn codes_are_bound_to_their_client_and_live_sixty_seconds() {
    let flow = Flow::start().await;
    let other_client = register(&flow.server, "Other app").await;
    let code = flow.approve().await;
    let (status, _) = flow.exchange(&code, VERIFIER, &other_client).await;
    assert_eq!(status, 400, "wrong client");
    let (status, body) = flow.exchange(&code, VERIFIER, "client_nobody").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );

    let late = flow.approve().await;
    flow.server.clock.advance(60);
    assert_eq!(
        flow.exchange(&late, VERIFIER, &flow.client_id).await.0,
        400,
        "expired at 60 s"
    );
}

#[tokio::test]
async fn denying_sends_access_denied_back() {
    let flow = Flow::start().await;
    let back = flow.decide("deny", &[]).await;
    assert_eq!(query(&back, "error").as_deref(), Some("access_denied"));
    assert_eq!(query(&back, "state").as_deref(), Some("xyz 1"));
    assert!(query(&back, "code").is_none());
}

#[tokio::test]
async fn signed_out_visitors_sign_in_first() {
    let flow = Flow::start().await;
    let stranger = flow.server.browser();
    let url = flow.authorize_url(&[]);
    let res = stranger
        .get(&url)
        .header(ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    assert!(
        res.headers()[LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login?next=%2Foauth2%2Fauthorize%3F")
    );
}

/// RFC 8707: tokens carry the resource they were asked for, and /mcp refuses tokens minted
/// for another resource.
#[tokio::test]
async fn tokens_for_another_resource_are_refused_by_mcp() {
    let flow = Flow::start().await;
    let mcp = flow.server.url("/mcp");
    let initialize = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
    let mut statuses = Vec::new();
    for resource in [mcp.clone(), "https://api.other.example/v1".to_owned()] {
        let url = flow.authorize_url(&[("resource", resource.as_str())]);
        let (status, html, _) = flow.open(&url).await;
        assert_eq!(status, 200, "{html}");
        let back = flow
            .decide("approve", &[("resource", resource.as_str())])
            .await;
        let code = query(&back, "code").unwrap();
        let (status, tokens) = flow
            .server
            .token(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("client_id", &flow.client_id),
                ("code_verifier", VERIFIER),
                ("resource", &resource),
            ])
            .await;
        assert_eq!(status, 200, "{tokens}");
        let token = tokens["access_token"].as_str().unwrap();
        assert_eq!(
            flow.server.introspect(token).await["aud"],
            resource.as_str()
        );
        let res = flow
            .server
            .http
            .post(&mcp)
            .bearer_auth(token)
            .header(ACCEPT, "application/json, text/event-stream")
            .json(&initialize)
            .send()
            .await
            .unwrap();
        statuses.push(res.status().as_u16());
    }
    assert_eq!(
        statuses,
        [200, 401],
        "accepted for /mcp, refused when minted for another resource"
    );

    let (status, _, location) = flow
        .open(&flow.authorize_url(&[("resource", "not a uri")]))
        .await;
    assert_eq!(status, 302);
    assert!(location.unwrap().contains("error=invalid_target"));
}

/// Posts a token request; returns the status and the body exactly as sent.
async fn raw_token(server: &TestServer, form: &[(&str, &str)]) -> (u16, String) {
    let res = server
        .http
        .post(server.url("/oauth2/token"))
        .form(form)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

#[tokio::test]
async fn unknown_used_expired_and_foreign_codes_get_one_answer() {
    let flow = Flow::start().await;
    let other_client = register(&flow.server, "Other app").await;
    let attempt = |code: String, client_id: String| {
        let server = &flow.server;
        async move {
            raw_token(
                server,
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", REDIRECT),
                    ("client_id", &client_id),
                    ("code_verifier", VERIFIER),
                ],
            )
            .await
        }
    };
    let used = flow.approve().await;
    assert_eq!(flow.exchange(&used, VERIFIER, &flow.client_id).await.0, 200);
    let foreign = flow.approve().await;
    let expired = flow.approve().await;

    let mut answers = vec![
        attempt("acac_unknown".into(), flow.client_id.clone()).await,
        attempt(used, flow.client_id.clone()).await,
        attempt(foreign, other_client).await,
    ];
    flow.server.clock.advance(60);
    answers.push(attempt(expired, flow.client_id.clone()).await);
    assert_eq!(answers[0].0, 400);
    assert!(answers[0].1.contains("invalid_grant"), "{}", answers[0].1);
    for answer in &answers {
        assert_eq!(answer, &answers[0], "byte for byte");
    }
}

#[tokio::test]
async fn the_loser_of_a_concurrent_redemption_revokes_the_winner() {
    let flow = Flow::start().await;
    let code = flow.approve().await;
    let exchange = || flow.exchange(&code, VERIFIER, &flow.client_id);
    let (a, b, c, d) = tokio::join!(exchange(), exchange(), exchange(), exchange());
    let answers = [a, b, c, d];
    let winners: Vec<&Value> = answers
        .iter()
        .filter(|(status, _)| *status == 200)
        .map(|(_, body)| body)
        .collect();
    assert_eq!(winners.len(), 1, "{answers:?}");
    let losers: Vec<&(u16, Value)> = answers.iter().filter(|(s, _)| *s != 200).collect();
    for loser in &losers {
        assert_eq!(loser.0, 400);
        assert_eq!(loser.1, losers[0].1);
        assert_eq!(loser.1["error"], "invalid_grant");
    }
    assert_eq!(
        flow.server
            .introspect(winners[0]["access_token"].as_str().unwrap())
            .await,
        json!({"active": false}),
        "a second use revokes what the first one got"
    );
}

#[tokio::test]
async fn signed_out_visitors_are_not_sent_back_with_errors() {
    let flow = Flow::start().await;
    let stranger = flow.server.browser();
    for (extra, why) in [
        (vec![("response_type", "token")], "implicit"),
        (vec![("scope", "admin")], "unknown scope"),
        (vec![("code_challenge_method", "plain")], "plain"),
    ] {
        let res = stranger
            .get(flow.authorize_url(&extra))
            .header(ACCEPT, "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{why}: shown here, not redirected");
        assert!(res.headers().get(LOCATION).is_none(), "{why}");
        let html = res.text().await.unwrap();
        assert!(html.contains("role=\"alert\""), "{why}");
    }
}

/// Registers a confidential client; returns its id and secret.
async fn register_confidential(server: &TestServer, name: &str) -> (String, String) {
    let body: Value = server
        .http
        .post(server.url("/oauth2/register"))
        .json(
            &json!({"client_name": name, "redirect_uris": ["http://127.0.0.1/callback"],
                      "grant_types": ["authorization_code", "refresh_token"]}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (
        body["client_id"].as_str().unwrap().to_owned(),
        body["client_secret"].as_str().unwrap().to_owned(),
    )
}

/// Posts a revocation, with HTTP Basic credentials when given.
async fn revoke(
    server: &TestServer,
    basic: Option<(&str, &str)>,
    form: &[(&str, &str)],
) -> (u16, Value) {
    let mut req = server.http.post(server.url("/oauth2/revoke")).form(form);
    if let Some((id, secret)) = basic {
        req = req.basic_auth(id, Some(secret));
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn revocation_authenticates_confidential_clients() {
    let mut flow = Flow::start().await;
    let (client_id, secret) = register_confidential(&flow.server, "Reporting service").await;
    let (other_id, other_secret) = register_confidential(&flow.server, "Other service").await;
    let public_id = flow.client_id.clone();
    flow.client_id = client_id.clone();
    let code = flow.approve().await;
    let tokens: Value = flow
        .server
        .http
        .post(flow.server.url("/oauth2/token"))
        .basic_auth(&client_id, Some(&secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = tokens["access_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let server = &flow.server;

    // Naming a confidential client without its secret, or with a wrong one: 401.
    for (basic, form) in [
        (
            None,
            vec![("token", refresh), ("client_id", client_id.as_str())],
        ),
        (
            Some((client_id.as_str(), "wrong")),
            vec![("token", refresh)],
        ),
        (
            None,
            vec![
                ("token", refresh),
                ("client_id", client_id.as_str()),
                ("client_secret", "wrong"),
            ],
        ),
    ] {
        let (status, body) = revoke(server, basic, &form).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (401, Some("invalid_client"))
        );
    }
    // Nobody, a public client and another confidential client get 200 and revoke nothing.
    for (basic, form) in [
        (None, vec![("token", refresh)]),
        (
            None,
            vec![("token", refresh), ("client_id", public_id.as_str())],
        ),
        (
            Some((other_id.as_str(), other_secret.as_str())),
            vec![("token", refresh)],
        ),
    ] {
        assert_eq!(revoke(server, basic, &form).await.0, 200);
        assert_eq!(server.introspect(access).await["active"], true);
    }
    // The client itself, with its secret in the body: revoked at once.
    let (status, _) = revoke(
        server,
        None,
        &[
            ("token", refresh),
            ("client_id", &client_id),
            ("client_secret", &secret),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(server.introspect(access).await, json!({"active": false}));
}

/// RFC 6749 section 4.1.2 and RFC 9700 section 4.2.4 revoke what a code issued when the code
/// comes back, but only for the client it was issued to: anyone else presenting a spent code
/// is told `invalid_grant` and the victim's grant stays live.
#[tokio::test]
async fn another_client_replaying_a_used_code_revokes_nothing() {
    let mut flow = Flow::start().await;
    let thief = register(&flow.server, "Other app").await;
    let code = flow.approve().await;
    let (status, tokens) = flow.exchange(&code, VERIFIER, &flow.client_id).await;
    assert_eq!(status, 200, "{tokens}");
    let access = tokens["access_token"].as_str().unwrap().to_owned();

    let (status, body) = flow.exchange(&code, VERIFIER, &thief).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    assert_eq!(
        flow.server.introspect(&access).await["active"],
        true,
        "another client's replay must not revoke the grant"
    );
    let (status, refreshed) = flow
        .server
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
            ("client_id", &flow.client_id),
        ])
        .await;
    assert_eq!(status, 200, "the grant still works: {refreshed}");

    // A confidential client's spent code: another client, its id without the secret, or a
    // wrong secret revoke nothing; the client itself, authenticated, does.
    let (owner, secret) = register_confidential(&flow.server, "Reporting service").await;
    let (other, other_secret) = register_confidential(&flow.server, "Other service").await;
    flow.client_id = owner.clone();
    let code = flow.approve().await;
    let exchange_as = |basic: Option<(&str, &str)>, body_id: Option<&str>| {
        let server = &flow.server;
        let code = code.clone();
        let basic = basic.map(|(id, secret)| (id.to_owned(), secret.to_owned()));
        let body_id = body_id.map(str::to_owned);
        async move {
            let mut form = vec![
                ("grant_type", "authorization_code".to_owned()),
                ("code", code),
                ("redirect_uri", REDIRECT.to_owned()),
                ("code_verifier", VERIFIER.to_owned()),
            ];
            if let Some(id) = body_id {
                form.push(("client_id", id));
            }
            let mut req = server.http.post(server.url("/oauth2/token")).form(&form);
            if let Some((id, secret)) = basic {
                req = req.basic_auth(id, Some(secret));
            }
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, tokens) = exchange_as(Some((&owner, &secret)), None).await;
    assert_eq!(status, 200, "{tokens}");
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    for (basic, body_id, expected, why) in [
        (
            Some((other.as_str(), other_secret.as_str())),
            None,
            (400, "invalid_grant"),
            "another confidential client",
        ),
        (
            None,
            Some(thief.as_str()),
            (400, "invalid_grant"),
            "a public client",
        ),
        (
            None,
            Some(owner.as_str()),
            (401, "invalid_client"),
            "the owner's id without its secret",
        ),
        (
            Some((owner.as_str(), "wrong")),
            None,
            (401, "invalid_client"),
            "a wrong secret",
        ),
    ] {
        let (status, body) = exchange_as(basic, body_id).await;
        assert_eq!(
            (status, body["error"].as_str().unwrap_or_default()),
            expected,
            "{why}: {body}"
        );
        assert_eq!(
            flow.server.introspect(&access).await["active"],
            true,
            "{why} must not revoke the grant"
        );
    }
    let (status, _) = exchange_as(Some((&owner, &secret)), None).await;
    assert_eq!(status, 400);
    assert_eq!(
        flow.server.introspect(&access).await,
        json!({"active": false}),
        "the client the code was issued to revokes what it issued"
    );
}

const EVIL: &str = "https://evil.example/land";

/// Registers a public client whose one redirect URI is `redirect_uri`; returns its id.
async fn register_redirecting_to(server: &TestServer, name: &str, redirect_uri: &str) -> String {
    let res = server
        .http
        .post(server.url("/oauth2/register"))
        .json(
            &json!({"client_name": name, "redirect_uris": [redirect_uri],
                      "grant_types": ["authorization_code", "refresh_token"],
                      "token_endpoint_auth_method": "none"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    res.json::<Value>().await.unwrap()["client_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The parameters of a good request of `client_id` back to [`EVIL`], with `changes` applied
/// (an empty value drops the field).
fn evil_params(client_id: &str, changes: &[(&'static str, &'static str)]) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = [
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", EVIL),
        ("scope", "quote"),
        ("state", "s"),
        ("code_challenge", &challenge(VERIFIER)),
        ("code_challenge_method", "S256"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (name, value) in changes {
        params.retain(|(n, _)| n != name);
        if !value.is_empty() {
            params.push((name.to_string(), value.to_string()));
        }
    }
    params
}

fn evil_path(client_id: &str, changes: &[(&'static str, &'static str)]) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(evil_params(client_id, changes))
        .finish();
    format!("/oauth2/authorize?{query}")
}

/// Posts a decision as the consent form does; returns the status and the page.
async fn post_decision(
    server: &TestServer,
    browser: &reqwest::Client,
    form: &[(String, String)],
) -> (u16, String) {
    let res = browser
        .post(server.url("/oauth2/authorize/decision"))
        .form(form)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// RFC 9700 section 4.11.2: with open registration anyone can register any redirect URI, so
/// an error for a client the person never approved is shown on our page with its 4xx, never
/// redirected, whoever the visitor is and however they arrived (a link, or `/login?next=`).
/// Once the person has approved the client (a grant of theirs, live or past), errors go back
/// to it (RFC 6749 section 4.1.2.1).
#[tokio::test]
async fn errors_for_a_client_never_approved_are_shown_not_redirected() {
    let flow = Flow::start().await;
    let server = &flow.server;
    let evil = register_redirecting_to(server, "Landing", EVIL).await;
    let invalid: [(&[(&str, &str)], &str); 5] = [
        (
            &[("code_challenge", ""), ("code_challenge_method", "")],
            "no PKCE",
        ),
        (&[("code_challenge_method", "plain")], "plain PKCE"),
        (&[("response_type", "token")], "implicit"),
        (&[("scope", "admin")], "unknown scope"),
        (&[("resource", "not a uri")], "bad resource"),
    ];
    // No link, form or refresh of the page leads on to the client's URI (the page's own
    // address, in the language switcher, may name it as a parameter).
    let leads_on =
        |html: &str| html.contains("\"https://evil.example") || html.contains("url=https://evil");
    let shown = |(status, html, location): (u16, String, Option<String>), why: &str| {
        assert_eq!((status, location.as_deref()), (400, None), "{why}: {html}");
        assert!(html.contains("role=\"alert\""), "{why}: {html}");
        assert!(!leads_on(&html), "{why}: no way on to the client: {html}");
    };

    // Signed in, never approved it.
    for (changes, why) in invalid {
        shown(
            flow.open(&server.url(&evil_path(&evil, changes))).await,
            why,
        );
    }
    // Signed out: shown too.
    let stranger = server.browser();
    for (changes, why) in invalid {
        shown(
            page(&stranger, server, &evil_path(&evil, changes)).await,
            why,
        );
    }
    // Sent to sign in with the bad request as `next`: once signed in, still shown.
    let path = evil_path(&evil, invalid[0].0);
    let res = stranger
        .post(server.url("/api/sign_up"))
        .form(&[
            ("email", "stranger@example.com"),
            ("password", "correct horse battery"),
            ("next", path.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success() || res.status().is_redirection());
    shown(
        page(&stranger, server, &path).await,
        "after sign-in via next",
    );
    // A decision posted for it with a bad request: refused, not forwarded.
    let mut form = evil_params(&evil, invalid[0].0);
    form.push(("decision".into(), "approve".into()));
    let (status, html) = post_decision(server, &flow.browser, &form).await;
    assert_eq!(status, 400, "{html}");
    assert!(!leads_on(&html), "{html}");

    // Once the person approves it and it gets its tokens, errors go back to it.
    let mut form = evil_params(&evil, &[]);
    form.push(("decision".into(), "approve".into()));
    let (status, html) = post_decision(server, &flow.browser, &form).await;
    assert_eq!(status, 200, "{html}");
    let start = html.find("url=").expect("forwarding page") + 4;
    let end = start + html[start..].find('"').unwrap();
    let back = url::Url::parse(&html[start..end].replace("&amp;", "&")).unwrap();
    let code = query(&back, "code").expect("a code");
    let (status, tokens) = server
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", EVIL),
            ("client_id", &evil),
            ("code_verifier", VERIFIER),
        ])
        .await;
    assert_eq!(status, 200, "{tokens}");
    for (changes, why) in invalid {
        let (status, _, location) = flow.open(&server.url(&evil_path(&evil, changes))).await;
        assert_eq!(status, 302, "{why}");
        let location = location.unwrap();
        assert!(location.starts_with(EVIL), "{why}: {location}");
        assert!(location.contains("error="), "{why}: {location}");
    }
    // Still after the person revoked it: a past grant counts.
    let (status, _) = revoke(
        server,
        None,
        &[
            ("token", tokens["refresh_token"].as_str().unwrap()),
            ("client_id", &evil),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        flow.open(&server.url(&evil_path(&evil, invalid[0].0)))
            .await
            .0,
        302
    );
    // Somebody else, who never approved it, still reads the error here.
    for (changes, why) in invalid {
        shown(
            page(&stranger, server, &evil_path(&evil, changes)).await,
            why,
        );
    }
}
