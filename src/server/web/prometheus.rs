//! `GET /metrics`: the counters of [`crate::server::app::telemetry`] in Prometheus text format, for
//! the instance that answers (scrape each instance directly, not through the load balancer).
//! Served to loopback peers that are not a trusted proxy, and to anyone presenting
//! `AGENT_CONNECT_METRICS_TOKEN` as a bearer token; everyone else gets 404, as if there were
//! nothing there.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use subtle::ConstantTimeEq;

use crate::server::app::state::AppState;
use crate::server::app::telemetry;

/// Latency buckets, in seconds: from a cached token check to a slow sign-in.
const BUCKETS: [f64; 12] = [
    0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// The process's recorder, installed on first use. The `metrics` facade has one recorder per
/// process, so every application built in it (as in the tests) reports into the same one.
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let handle = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &BUCKETS)
            .expect("the buckets are not empty")
            .install_recorder()
            .expect("no other metrics recorder is installed");
        telemetry::describe();
        handle
    })
}

/// Counts and times every request by the route it matched.
pub async fn track(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = telemetry::method_label(req.method());
    let route: Arc<str> = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".into(), |p| p.as_str().into());
    let res = next.run(req).await;
    telemetry::request(method, route, res.status(), started.elapsed());
    res
}

/// The metrics, to a loopback peer or the holder of the metrics token.
pub async fn metrics(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    if !allowed(&state, peer, &headers) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let max = state.db.options().get_max_connections();
    let size = state.db.size();
    let idle = u32::try_from(state.db.num_idle()).unwrap_or(size);
    telemetry::pool(size.saturating_sub(idle), idle, max);
    let mut res = handle().render().into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    res
}

/// A loopback peer that is not a trusted proxy (so not a request forwarded from outside), or
/// anyone with the metrics token.
fn allowed(state: &AppState, peer: SocketAddr, headers: &HeaderMap) -> bool {
    let ip = peer.ip();
    if ip.is_loopback() && !state.config.trusted_proxies.contains(&ip) {
        return true;
    }
    let Some(expected) = state.config.metrics_token.as_deref() else {
        return false;
    };
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|token| bool::from(token.as_bytes().ct_eq(expected.as_bytes())))
}
