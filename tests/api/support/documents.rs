//! An https server on loopback that serves Client ID Metadata Documents, with a certificate
//! from a throwaway CA the server under test is told to trust
//! (`client_metadata_ca_file`), so the real fetch path (TLS, no redirects, size and time
//! limits) runs end to end.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// The redirect URI every served document lists.
pub const REDIRECT: &str = "http://127.0.0.1:8976/callback";

pub struct DocumentServer {
    pub addr: SocketAddr,
    /// PEM of the CA that signed the server's certificate.
    pub ca_file: PathBuf,
    /// How many times each counted document was fetched.
    pub fetches: Arc<AtomicUsize>,
    _dir: tempfile::TempDir,
}

impl DocumentServer {
    /// The client id of the document at `path` (e.g. "/good.json").
    pub fn client_id(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.addr.port())
    }

    pub fn fetch_count(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }

    pub async fn start() -> Self {
        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "Agent Connect test CA");
        let ca = ca_params.self_signed(&ca_key).expect("CA certificate");
        let leaf_key = KeyPair::generate().expect("leaf key");
        let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .expect("leaf params")
            .signed_by(&leaf_key, &ca, &ca_key)
            .expect("leaf certificate");

        let dir = tempfile::tempdir().expect("temp dir");
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, ca.pem()).expect("write CA");

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(
                vec![leaf.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
            )
            .expect("TLS config");
        let tcp = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = tcp.local_addr().expect("addr");
        let fetches = Arc::new(AtomicUsize::new(0));
        let app = Router::new()
            .route("/{name}", get(document))
            .with_state(Served {
                base: format!("https://127.0.0.1:{}", addr.port()),
                fetches: fetches.clone(),
            });
        let listener = TlsListener {
            tcp,
            acceptor: TlsAcceptor::from(Arc::new(tls)),
        };
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("document server");
        });
        Self {
            addr,
            ca_file,
            fetches,
            _dir: dir,
        }
    }
}

#[derive(Clone)]
struct Served {
    base: String,
    fetches: Arc<AtomicUsize>,
}

/// The documents, by name: one good one per caching behaviour, and one per refusal.
async fn document(
    State(served): State<Served>,
    request_headers: HeaderMap,
    axum::extract::Path(name): axum::extract::Path<String>,
) -> Response {
    // The document names itself by the host it was asked for (127.0.0.1 or localhost).
    let host = request_headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let id = format!("https://{host}/{name}");
    let good = json!({
        "client_id": id,
        "client_name": "Metadata App",
        "client_uri": "https://127.0.0.1/",
        "redirect_uris": [REDIRECT],
        "grant_types": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_method": "none",
    });
    let json_with = |cache: &'static str, body: serde_json::Value| {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
        headers.insert(header::CACHE_CONTROL, cache.parse().unwrap());
        (headers, body.to_string()).into_response()
    };
    match name.as_str() {
        "good.json" => json_with("max-age=3600", good),
        "counted.json" => {
            served.fetches.fetch_add(1, Ordering::SeqCst);
            json_with("max-age=60", good)
        }
        "flaky.json" => {
            // Fails the first time, works after: a failure must not be remembered.
            if served.fetches.fetch_add(1, Ordering::SeqCst) == 0 {
                StatusCode::SERVICE_UNAVAILABLE.into_response()
            } else {
                json_with("max-age=60", good)
            }
        }
        "redirect.json" => (
            StatusCode::FOUND,
            [(header::LOCATION, format!("{}/good.json", served.base))],
        )
            .into_response(),
        "missing.json" => StatusCode::NOT_FOUND.into_response(),
        "big.json" => {
            let mut big = good;
            big["client_name"] = json!("x".repeat(6 * 1024));
            json_with("max-age=60", big)
        }
        "wrong-id.json" => {
            let mut wrong = good;
            wrong["client_id"] = json!(format!("{}/good.json", served.base));
            json_with("max-age=60", wrong)
        }
        "secret.json" => {
            let mut secret = good;
            secret["token_endpoint_auth_method"] = json!("client_secret_basic");
            json_with("max-age=60", secret)
        }
        "with-secret.json" => {
            let mut secret = good;
            secret["client_secret"] = json!("hunter2");
            json_with("max-age=60", secret)
        }
        "slow.json" => {
            tokio::time::sleep(Duration::from_secs(8)).await;
            json_with("max-age=60", good)
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// TLS over a TCP listener, for `axum::serve`.
struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((tcp, addr)) = self.tcp.accept().await else {
                continue;
            };
            if let Ok(tls) = self.acceptor.accept(tcp).await {
                return (tls, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}
