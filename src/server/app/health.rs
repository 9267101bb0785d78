//! Health for load balancers and orchestrators: `GET /healthz/live` says the process answers
//! (liveness: restart it if not); `GET /healthz/ready` and `GET /healthz` say it can serve
//! (readiness: the database answers and has every migration this build needs; route traffic
//! elsewhere if not). Answers are small JSON documents naming each check.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::server::app::state::AppState;
use crate::server::db;

/// Liveness: 200 while the process serves requests. Never touches the database, so a
/// database outage does not get every instance restarted.
pub async fn live() -> Response {
    Json(json!({ "status": "ok" })).into_response()
}

/// Readiness: 200 when the database answers and every migration is applied; 503 with
/// `Retry-After` and the failing check otherwise.
pub async fn ready(State(state): State<AppState>) -> Response {
    let (database, migrations) = match db::migrations_applied(&state.db).await {
        Ok(true) => ("ok", "ok"),
        Ok(false) => ("ok", "missing"),
        Err(err) => {
            tracing::error!(%err, "readiness check failed");
            ("unavailable", "unknown")
        }
    };
    let ready = database == "ok" && migrations == "ok";
    let body = Json(json!({
        "status": if ready { "ok" } else { "unavailable" },
        "checks": { "database": database, "migrations": migrations },
    }));
    if ready {
        body.into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, db::BUSY_RETRY_AFTER)],
            body,
        )
            .into_response()
    }
}
