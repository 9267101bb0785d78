//! A deadline for every portal request. Pages render through Leptos's reactive machinery; should
//! a render ever stall, the visitor gets the busy answer instead of a page that never arrives.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

/// Longest a page, a server function or a portal form may take. A render takes milliseconds.
pub const PORTAL_DEADLINE: Duration = Duration::from_secs(30);

/// Answers 503 with `Retry-After` when the request is not answered within `deadline`.
pub async fn within(State(deadline): State<Duration>, req: Request, next: Next) -> Response {
    let what = format!("{} {}", req.method(), req.uri().path());
    let locale = crate::language::from_headers(req.headers());
    match tokio::time::timeout(deadline, next.run(req)).await {
        Ok(res) => res,
        Err(_) => {
            tracing::error!("{what} was not answered within {deadline:?}; answered 503");
            super::busy::busy(locale)
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::http::{HeaderValue, StatusCode, header};
    use axum::middleware::from_fn_with_state;
    use axum::routing::get;
    use tower::ServiceExt;

    use super::*;
    use crate::server::db::BUSY_RETRY_AFTER;

    fn app(work: Duration) -> Router {
        Router::new()
            .route(
                "/",
                get(move || async move {
                    tokio::time::sleep(work).await;
                    "done"
                }),
            )
            .layer(from_fn_with_state(Duration::from_millis(200), within))
    }

    async fn status(app: Router) -> (StatusCode, Option<HeaderValue>) {
        let res = app
            .oneshot(Request::get("/").body(Body::empty()).unwrap())
            .await
            .unwrap();
        (
            res.status(),
            res.headers().get(header::RETRY_AFTER).cloned(),
        )
    }

    #[tokio::test]
    async fn a_request_in_time_is_answered_as_it_was() {
        assert_eq!(status(app(Duration::ZERO)).await, (StatusCode::OK, None));
    }

    #[tokio::test]
    async fn a_stalled_request_is_answered_busy() {
        let (status, retry_after) = status(app(Duration::from_secs(3600))).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(retry_after, Some(HeaderValue::from(BUSY_RETRY_AFTER)));
    }
}
