//! The whole application as a router, driven one request at a time with `oneshot`: no port,
//! no HTTP client, the same layers and handlers a real server runs.

use std::net::SocketAddr;
use std::sync::Arc;

use agent_connect::server::app;
use agent_connect::server::app::clock::ManualClock;
use agent_connect::server::app::config::ServeConfig;
use agent_connect::server::app::state::AppState;
use agent_connect::server::build_state;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use super::{RESOURCE_ID, RESOURCE_SECRET, START};

/// The peer every request seems to come from, as `into_make_service_with_connect_info` would
/// record it for a real connection.
pub const PEER: ([u8; 4], u16) = ([127, 0, 0, 1], 50_000);

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    _dir: tempfile::TempDir,
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with(|_| {}).await
    }

    /// Builds the application after `tweak` has adjusted the test configuration.
    pub async fn with(tweak: impl FnOnce(&mut ServeConfig)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = super::database::fresh(dir.path(), "test.db").await;
        let mut config = ServeConfig::defaults(&url);
        config.resource_client_id = Some(RESOURCE_ID.into());
        config.resource_client_secret = Some(RESOURCE_SECRET.into());
        config.rate_limit_per_minute = 10_000;
        tweak(&mut config);
        let clock = ManualClock::starting_at(START);
        let state = build_state(config, clock.clone()).await.expect("state");
        let router = app(state.clone()).await.expect("app");
        Self {
            router,
            state,
            clock,
            _dir: dir,
        }
    }

    /// Sends one request through the router. A request without a peer address gets
    /// [`PEER`], since it did not come through a socket.
    pub async fn send(&self, mut req: Request<Body>) -> Answer {
        if req.extensions().get::<ConnectInfo<SocketAddr>>().is_none() {
            req.extensions_mut()
                .insert(ConnectInfo(SocketAddr::from(PEER)));
        }
        let what = format!("{} {}", req.method(), req.uri());
        let answer = async {
            let res = self
                .router
                .clone()
                .oneshot(req)
                .await
                .expect("routers are infallible");
            let (parts, body) = res.into_parts();
            Answer {
                status: parts.status,
                headers: parts.headers,
                body: body.collect().await.expect("body").to_bytes(),
            }
        };
        tokio::time::timeout(super::REQUEST_TIMEOUT, answer)
            .await
            .unwrap_or_else(|_| panic!("{what} got no answer within {:?}", super::REQUEST_TIMEOUT))
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(request(Method::GET, path).body(Body::empty()).unwrap())
            .await
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Answer {
        self.send(form_request(path, form)).await
    }

    pub async fn post_json(&self, path: &str, json: &Value) -> Answer {
        let req = request(Method::POST, path)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(json.to_string()))
            .unwrap();
        self.send(req).await
    }
}

/// A request to `path`, for a test to add headers and a body to.
pub fn request(method: Method, path: &str) -> axum::http::request::Builder {
    Request::builder().method(method).uri(path)
}

/// A `POST` of `form`, URL-encoded, as OAuth clients send one.
pub fn form_request(path: &str, form: &[(&str, &str)]) -> Request<Body> {
    request(Method::POST, path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(encode(form)))
        .unwrap()
}

/// `form`, URL-encoded.
pub fn encode(form: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish()
}

/// `Authorization: Basic` for a client id and secret (RFC 6749 section 2.3.1).
pub fn basic(id: &str, secret: &str) -> String {
    use base64::Engine;
    let pair = format!("{}:{}", encode_component(id), encode_component(secret));
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

fn encode_component(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A response, read to the end.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    /// The body as JSON; panics with the body when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|err| panic!("not JSON ({err}): {}", self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A header's value as text; panics when it is missing.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header"))
            .to_str()
            .unwrap()
    }

    /// The RFC 6749 section 5.2 error code of an error answer.
    pub fn error(&self) -> String {
        self.json()["error"].as_str().unwrap_or_default().to_owned()
    }
}
