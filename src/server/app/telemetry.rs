//! What the server counts for its operators, recorded through the `metrics` facade and served
//! as Prometheus text at `GET /metrics` ([`crate::server::web::prometheus`]). Every name starts with
//! `agent_connect_`; labels take only a bounded set of values (routes as declared, never raw
//! paths; OAuth error codes; action names), so a stranger cannot grow the set of series.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{Method, StatusCode};
use metrics::{
    SharedString, Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge,
    histogram,
};

/// Gives every series its `# HELP` text (and unit), as Prometheus conventions ask; called once,
/// when the recorder is installed.
pub fn describe() {
    describe_counter!(
        "agent_connect_http_requests_total",
        "HTTP requests answered, by method, declared route and status."
    );
    describe_histogram!(
        "agent_connect_http_request_duration_seconds",
        Unit::Seconds,
        "Time to answer an HTTP request, by method and declared route."
    );
    describe_counter!(
        "agent_connect_code_redemptions_total",
        "Agent auth code redemptions, by outcome: ok or the OAuth error code."
    );
    describe_counter!(
        "agent_connect_token_requests_total",
        "Token endpoint requests, by grant type and outcome: ok or the OAuth error code."
    );
    describe_counter!(
        "agent_connect_rate_limited_total",
        "Attempts refused by a rate limit, by action."
    );
    describe_counter!(
        "agent_connect_db_errors_total",
        "Database errors that reached a caller: busy (answered 503) or other (500)."
    );
    describe_gauge!(
        "agent_connect_db_pool_connections",
        "Database connections of this instance, by state: in_use or idle."
    );
    describe_gauge!(
        "agent_connect_db_pool_max_connections",
        "The most database connections this instance opens."
    );
    describe_gauge!(
        "agent_connect_build_info",
        "Always 1; its labels name this instance's version and database backend."
    );
}

/// One HTTP request answered: counted and timed by route (`unmatched` for unknown paths). The
/// route is shared by both series rather than copied for each.
pub fn request(method: &'static str, route: Arc<str>, status: StatusCode, took: Duration) {
    let route = SharedString::from(route);
    counter!("agent_connect_http_requests_total", "method" => method, "route" => route.clone(), "status" => status.as_str().to_owned())
        .increment(1);
    histogram!("agent_connect_http_request_duration_seconds", "method" => method, "route" => route)
        .record(took.as_secs_f64());
}

/// A request method as a label: the standard ones by name, any other as `OTHER`, so that a
/// stranger cannot add series.
pub fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        Method::TRACE => "TRACE",
        Method::CONNECT => "CONNECT",
        _ => "OTHER",
    }
}

/// One agent auth code redemption, at the token endpoint or through `/mcp/agent`: `ok`, or
/// the OAuth error code it was refused with (`invalid_grant`, `too_many_requests`, ...).
pub fn redemption(outcome: &'static str) {
    counter!("agent_connect_code_redemptions_total", "outcome" => outcome).increment(1);
}

/// One token endpoint request, by grant type and outcome (`ok` or the OAuth error code).
pub fn token_request(grant_type: &'static str, outcome: &'static str) {
    counter!("agent_connect_token_requests_total", "grant_type" => grant_type, "outcome" => outcome)
        .increment(1);
}

/// One attempt refused by a rate limit, by action.
pub fn rate_limited(action: &'static str) {
    counter!("agent_connect_rate_limited_total", "action" => action).increment(1);
}

/// One database error that reached a caller: `busy` (answered 503) or `other` (500).
pub fn database_error(busy: bool) {
    let kind = if busy { "busy" } else { "other" };
    counter!("agent_connect_db_errors_total", "kind" => kind).increment(1);
}

/// The connection pool as it is now.
pub fn pool(in_use: u32, idle: u32, max: u32) {
    gauge!("agent_connect_db_pool_connections", "state" => "in_use").set(f64::from(in_use));
    gauge!("agent_connect_db_pool_connections", "state" => "idle").set(f64::from(idle));
    gauge!("agent_connect_db_pool_max_connections").set(f64::from(max));
}

/// What this instance is: version and database backend, as a gauge of 1.
pub fn build_info(backend: &'static str) {
    gauge!("agent_connect_build_info", "version" => env!("CARGO_PKG_VERSION"), "backend" => backend)
        .set(1.0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_method_label_is_one_of_a_fixed_few() {
        assert_eq!(method_label(&Method::POST), "POST");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "OTHER");
    }
}
