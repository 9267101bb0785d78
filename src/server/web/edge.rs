//! The one layer every request passes, around the routing: it works out the client's address,
//! reads the body within the limit, and gives the answer the security headers. One layer rather
//! than three: each layer clones the services beneath it and boxes a future per request.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::{body_limit, client_addr, headers};
use crate::server::app::config::ServeConfig;

/// The client's address first, then the body limit; every answer, a refusal of the body
/// included, carries the security headers.
pub async fn edge(
    State(config): State<Arc<ServeConfig>>,
    mut req: Request,
    next: Next,
) -> Response {
    client_addr::attach(&config, &mut req);
    let mut res = match body_limit::read_within(config.max_body_bytes, req).await {
        Ok(req) => next.run(req).await,
        Err(refusal) => refusal,
    };
    headers::add(&config, &mut res);
    res
}
