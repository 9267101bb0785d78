//! The authorization code flow with PKCE: the consent page, the decision, the exchange, and
//! every refusal SECURITY.md lists (RFC 6749 section 4.1, RFC 7636, RFC 9700).

use crate::support::TestServer;
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
        assert_eq!((status, location), (200, None), "{why}");
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
        assert_eq!(res.status(), 200, "{why}: shown here, not redirected");
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
