//! Fetching a metadata document as the draft's security considerations ask: the host resolved
//! once and that address used for the connection, special-use addresses refused, no redirect
//! followed, a short timeout for the whole exchange, and at most [`MAX_BYTES`] read.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use reqwest::header;

use super::address;
use super::error::MetadataError;

/// Largest document read, in bytes (the draft suggests 5 KB).
pub const MAX_BYTES: usize = 5 * 1024;
/// The whole fetch, from name lookup to the last byte.
const TIMEOUT: Duration = Duration::from_secs(5);

/// How documents are fetched: which extra certificate authorities are trusted and whether
/// loopback addresses may be reached.
#[derive(Clone)]
pub struct Fetcher {
    roots: Vec<reqwest::Certificate>,
    loopback_allowed: bool,
}

/// A fetched document and the `Cache-Control` it came with.
pub struct Fetched {
    pub body: Vec<u8>,
    pub cache_control: Option<String>,
}

impl Fetcher {
    pub fn new(roots: Vec<reqwest::Certificate>, loopback_allowed: bool) -> Self {
        Self {
            roots,
            loopback_allowed,
        }
    }

    /// Fetches `url` (already checked by [`super::document::check_url`]).
    pub async fn fetch(&self, url: &url::Url) -> Result<Fetched, MetadataError> {
        tokio::time::timeout(TIMEOUT, self.fetch_unbounded(url))
            .await
            .map_err(|_| MetadataError::Unreachable("it did not answer within 5 seconds".into()))?
    }

    async fn fetch_unbounded(&self, url: &url::Url) -> Result<Fetched, MetadataError> {
        let port = url.port_or_known_default().unwrap_or(443);
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("agent-connect/", env!("CARGO_PKG_VERSION")))
            .https_only(true);
        for root in &self.roots {
            builder = builder.add_root_certificate(root.clone());
        }
        match url.host() {
            Some(url::Host::Domain(domain)) => {
                let ip = self.resolve(domain, port).await?;
                // The connection goes to the address just checked, never to a second lookup.
                builder = builder.resolve(domain, SocketAddr::new(ip, port));
            }
            Some(url::Host::Ipv4(ip)) => self.check_address(IpAddr::V4(ip))?,
            Some(url::Host::Ipv6(ip)) => self.check_address(IpAddr::V6(ip))?,
            None => return Err(MetadataError::BadUrl("it has no host")),
        }
        let client = builder.build().map_err(|err| {
            tracing::error!(%err, "could not build the metadata document client");
            MetadataError::Unreachable("the server could not prepare the request".into())
        })?;
        let mut res = client
            .get(url.clone())
            .header(header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|err| MetadataError::Unreachable(describe(&err)))?;
        let status = res.status();
        if status.is_redirection() {
            return Err(MetadataError::Unreachable(format!(
                "it answered {status} (a redirect), and redirects are not followed"
            )));
        }
        if status != reqwest::StatusCode::OK {
            return Err(MetadataError::Unreachable(format!("it answered {status}")));
        }
        if res
            .content_length()
            .is_some_and(|len| len > MAX_BYTES as u64)
        {
            return Err(MetadataError::TooLarge);
        }
        let cache_control = res
            .headers()
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let mut body = Vec::new();
        while let Some(chunk) = res
            .chunk()
            .await
            .map_err(|err| MetadataError::Unreachable(describe(&err)))?
        {
            if body.len() + chunk.len() > MAX_BYTES {
                return Err(MetadataError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched {
            body,
            cache_control,
        })
    }

    /// Looks the host up once; every address it has must be allowed, and the first is used.
    async fn resolve(&self, domain: &str, port: u16) -> Result<IpAddr, MetadataError> {
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((domain, port))
            .await
            .map_err(|_| MetadataError::Unreachable(format!("its host {domain} was not found")))?
            .collect();
        let first = addrs.first().ok_or_else(|| {
            MetadataError::Unreachable(format!("its host {domain} has no address"))
        })?;
        for addr in &addrs {
            self.check_address(addr.ip())?;
        }
        Ok(first.ip())
    }

    fn check_address(&self, ip: IpAddr) -> Result<(), MetadataError> {
        if address::allowed(ip, self.loopback_allowed) {
            Ok(())
        } else {
            Err(MetadataError::SpecialAddress(ip))
        }
    }
}

/// A fetch error in words for the developer, without the URL (the caller names it).
fn describe(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        "it did not answer in time".into()
    } else if err.is_connect() {
        "the connection failed (refused, or its certificate is not trusted)".into()
    } else {
        "the request failed".into()
    }
}
