//! Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document; MCP
//! authorization 2025-11-25): an https `client_id` resolved by fetching the document from a
//! real https server on loopback, through the whole authorization code flow, and every refusal
//! the draft's security considerations ask for.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::header::ACCEPT;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::support::documents::{DocumentServer, REDIRECT};
use crate::support::{HTML, TestServer};

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

struct Setup {
    documents: DocumentServer,
    server: TestServer,
    browser: reqwest::Client,
}

async fn setup() -> Setup {
    setup_with(|_| {}).await
}

async fn setup_with(
    tweak: impl FnOnce(&mut agent_connect::server::app::config::ServeConfig),
) -> Setup {
    let documents = DocumentServer::start().await;
    let ca = documents.ca_file.clone();
    let server = TestServer::start_with(move |config| {
        config.client_metadata_ca_file = Some(ca);
        tweak(config);
    })
    .await;
    let browser = server.sign_up("cimd@example.com").await;
    Setup {
        documents,
        server,
        browser,
    }
}

fn authorize_query(client_id: &str) -> String {
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()));
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("response_type", "code"),
            ("client_id", client_id),
            ("redirect_uri", REDIRECT),
            ("scope", "quote"),
            ("state", "s1"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ])
        .finish()
}

impl Setup {
    /// The consent page for `client_id`: its HTML.
    async fn consent(&self, client_id: &str) -> String {
        let res = self
            .browser
            .get(
                self.server
                    .url(&format!("/oauth2/authorize?{}", authorize_query(client_id))),
            )
            .header(ACCEPT, HTML)
            .send()
            .await
            .unwrap();
        res.text().await.unwrap()
    }

    /// Approves on the consent form and returns the authorization code.
    async fn approve(&self, client_id: &str) -> String {
        let mut form: Vec<(String, String)> =
            url::form_urlencoded::parse(authorize_query(client_id).as_bytes())
                .into_owned()
                .collect();
        form.push(("decision".into(), "approve".into()));
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
        let back = url::Url::parse(&html[start..end].replace("&amp;", "&")).unwrap();
        back.query_pairs()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.into_owned())
            .expect("a code")
    }

    async fn exchange(&self, client_id: &str, code: &str) -> (u16, Value) {
        self.server
            .token(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT),
                ("client_id", client_id),
                ("code_verifier", VERIFIER),
            ])
            .await
    }
}

#[tokio::test]
async fn a_metadata_document_client_completes_the_flow_and_is_shown_as_verified() {
    let s = setup().await;
    let metadata: Value = s
        .server
        .http
        .get(s.server.url("/.well-known/oauth-authorization-server"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(metadata["client_id_metadata_document_supported"], true);

    let client_id = s.documents.client_id("/good.json");
    let page = s.consent(&client_id).await;
    assert!(
        page.contains("Allow Metadata App to act for you?"),
        "{page}"
    );
    assert!(page.contains("Verified"), "{page}");
    assert!(page.contains("<strong>127.0.0.1</strong>"), "{page}");
    assert!(page.contains("Runs on this device only"), "{page}");

    // By name too: localhost is looked up once and the connection goes to that address.
    let by_name = format!("https://localhost:{}/good.json", s.documents.addr.port());
    assert!(s.consent(&by_name).await.contains("Allow Metadata App"));

    let code = s.approve(&client_id).await;
    let (status, tokens) = s.exchange(&client_id, &code).await;
    assert_eq!(status, 200, "{tokens}");
    assert!(
        tokens["access_token"]
            .as_str()
            .unwrap()
            .starts_with("acat_")
    );
    let refreshed = s
        .server
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
            ("client_id", &client_id),
        ])
        .await;
    assert_eq!(refreshed.0, 200, "{}", refreshed.1);
}

#[tokio::test]
async fn a_registered_client_is_shown_as_self_declared() {
    let s = setup().await;
    let registered: Value = s
        .server
        .http
        .post(s.server.url("/oauth2/register"))
        .json(&serde_json::json!({
            "client_name": "Claimed Name",
            "redirect_uris": ["https://app.example/cb"],
            "token_endpoint_auth_method": "none",
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(registered["application_type"], "web");
    let id = registered["client_id"].as_str().unwrap();
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()));
    let page = s
        .browser
        .get(s.server.url(&format!(
            "/oauth2/authorize?response_type=code&client_id={id}&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&scope=quote&code_challenge={challenge}&code_challenge_method=S256"
        )))
        .header(ACCEPT, HTML)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Unverified"), "{page}");
    assert!(page.contains("what the application calls itself"), "{page}");
    assert!(page.contains("<strong>app.example</strong>"), "{page}");
    assert!(!page.contains("Runs on this device only"), "{page}");
}

#[tokio::test]
async fn a_fetched_document_is_cached_within_its_max_age_and_errors_are_not() {
    let s = setup().await;
    let counted = s.documents.client_id("/counted.json");
    s.consent(&counted).await;
    s.consent(&counted).await;
    let code = s.approve(&counted).await;
    assert_eq!(s.exchange(&counted, &code).await.0, 200);
    assert_eq!(s.documents.fetch_count(), 1, "one fetch within max-age=60");
    s.server.clock.advance(61);
    assert!(s.consent(&counted).await.contains("Metadata App"));
    assert_eq!(s.documents.fetch_count(), 2, "fetched again once stale");

    let flaky = DocumentServer::start().await;
    let s = setup_with({
        let ca = flaky.ca_file.clone();
        move |c| c.client_metadata_ca_file = Some(ca)
    })
    .await;
    let id = flaky.client_id("/flaky.json");
    let first = s.consent(&id).await;
    assert!(
        first.contains("could not be fetched: it answered 503"),
        "{first}"
    );
    let second = s.consent(&id).await;
    assert!(second.contains("Allow Metadata App"), "{second}");
}

#[tokio::test]
async fn every_refusal_is_shown_and_never_redirected_to() {
    let s = setup().await;
    let port = s.documents.addr.port();
    let cases = [
        (
            s.documents.client_id("/redirect.json"),
            "redirects are not followed",
        ),
        (s.documents.client_id("/missing.json"), "it answered 404"),
        (s.documents.client_id("/big.json"), "larger than 5 KB"),
        (
            s.documents.client_id("/wrong-id.json"),
            "its client_id is not the URL it was fetched from",
        ),
        (
            s.documents.client_id("/secret.json"),
            "token_endpoint_auth_method",
        ),
        (
            s.documents.client_id("/with-secret.json"),
            "must not contain a client_secret",
        ),
        (
            format!("http://127.0.0.1:{port}/good.json"),
            "it must use https",
        ),
        (
            format!("https://127.0.0.1:{port}/good.json?x=1"),
            "must not contain a query",
        ),
        (
            format!("https://127.0.0.1:{port}/a/../good.json"),
            "normal form",
        ),
        (
            "https://10.1.2.3/client.json".to_owned(),
            "special-use address 10.1.2.3",
        ),
        (
            "https://169.254.169.254/latest/meta-data".to_owned(),
            "special-use address 169.254.169.254",
        ),
        (
            "https://[::ffff:c0a8:1]/client.json".to_owned(),
            "special-use address",
        ),
    ];
    for (client_id, expected) in cases {
        let page = s.consent(&client_id).await;
        assert!(page.contains("This request can"), "{client_id}: {page}");
        assert!(
            page.contains(expected),
            "{client_id}: expected {expected:?} in {page}"
        );
    }
    // Nothing refused was stored, and the token endpoint fetches no document it has not seen
    // at the authorization endpoint.
    let (status, body) = s
        .server
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", "x"),
            ("redirect_uri", REDIRECT),
            ("client_id", &s.documents.client_id("/counted.json")),
            ("code_verifier", VERIFIER),
        ])
        .await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"], "invalid_client");
    assert_eq!(s.documents.fetch_count(), 0);
}

#[tokio::test]
async fn a_slow_document_times_out() {
    let s = setup().await;
    let started = std::time::Instant::now();
    let page = s.consent(&s.documents.client_id("/slow.json")).await;
    assert!(page.contains("did not answer"), "{page}");
    assert!(started.elapsed() < std::time::Duration::from_secs(8));
}

/// The consent page as a visitor who is not signed in sees it: the client is checked first.
async fn signed_out_consent(server: &TestServer, client_id: &str) -> String {
    server
        .http
        .get(server.url(&format!("/oauth2/authorize?{}", authorize_query(client_id))))
        .header(ACCEPT, HTML)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The client is checked before the visitor has to sign in, so a signed-out visit is enough.
#[tokio::test]
async fn loopback_documents_are_refused_when_the_server_is_not_on_loopback() {
    let documents = DocumentServer::start().await;
    let ca = documents.ca_file.clone();
    let server = TestServer::start_with(move |config| {
        config.client_metadata_ca_file = Some(ca);
        config.public_url = "https://auth.example".parse().unwrap();
    })
    .await;
    let client_id = documents.client_id("/good.json");
    let page = signed_out_consent(&server, &client_id).await;
    assert!(page.contains("special-use address 127.0.0.1"), "{page}");
    // A name is resolved once and judged by the address it resolves to.
    let by_name = format!("https://localhost:{}/good.json", documents.addr.port());
    let page = signed_out_consent(&server, &by_name).await;
    assert!(page.contains("special-use address"), "{page}");
    assert_eq!(documents.fetch_count(), 0);
}
