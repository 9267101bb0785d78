//! `GET /healthz`: liveness and readiness, for load balancers and orchestrators.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::db;
use super::state::AppState;

/// 200 when the database answers; 503 with `Retry-After` when it does not.
pub async fn healthz(State(state): State<AppState>) -> Response {
    match sqlx::query("SELECT 1").execute(&state.db).await {
        Ok(_) => (StatusCode::OK, "ok").into_response(),
        Err(err) => {
            tracing::error!(%err, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, db::BUSY_RETRY_AFTER)],
                "database unavailable",
            )
                .into_response()
        }
    }
}
