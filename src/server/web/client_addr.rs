//! The address a request came from: the peer, or, behind a trusted reverse proxy, the address
//! the proxy names in `X-Forwarded-For`. Rate limits and session caps are keyed on it.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, Request};
use axum::http::HeaderMap;

use crate::server::app::config::ServeConfig;

/// The address a request came from, after trusted proxies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// Works out [`ClientAddr`] and puts it in the request's extensions: the peer, or, when the
/// peer is a trusted proxy, the right-most address in `X-Forwarded-For` that is not itself a
/// trusted proxy.
pub fn attach(config: &ServeConfig, req: &mut Request) {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let addr = resolve_client(peer, req.headers(), &config.trusted_proxies);
    req.extensions_mut().insert(ClientAddr(addr));
}

fn resolve_client(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .collect::<Vec<_>>();
    forwarded
        .into_iter()
        .rev()
        .find(|a| !trusted.contains(a))
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_is_trusted_only_from_a_proxy() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "203.0.113.9, 198.51.100.4".parse().unwrap(),
        );
        assert_eq!(resolve_client(proxy, &headers, &[]), proxy);
        assert_eq!(
            resolve_client(proxy, &headers, &[proxy]),
            "198.51.100.4".parse::<IpAddr>().unwrap()
        );
        let both: Vec<IpAddr> = vec![proxy, "198.51.100.4".parse().unwrap()];
        assert_eq!(
            resolve_client(proxy, &headers, &both),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        headers.insert("x-forwarded-for", "not an address".parse().unwrap());
        assert_eq!(resolve_client(proxy, &headers, &[proxy]), proxy);
    }
}
