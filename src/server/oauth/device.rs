//! RFC 8628 device authorization: `POST /oauth2/device_authorization` starts a request for a
//! registered client and answers with the device code, the user code and where to enter it
//! (section 3.2); `GET /device/qr?user_code=...` draws `verification_uri_complete` as an SVG
//! QR code for a device that wants to show one (section 3.3.1).

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use base64::Engine;
use serde::{Deserialize, Serialize};

use super::client_auth::client_for_grant;
use super::error::OAuthError;
use crate::grant_type::GrantType;
use crate::scopes::{Scopes, normalize};
use crate::server::app::state::AppState;
use crate::server::db::device_codes::{self, DeviceCodeRow};
use crate::server::domain::device::user_code::UserCode;
use crate::server::domain::ratelimit::Action;
use crate::server::domain::secrets::{hash, log_id, new_secret};
use crate::server::web::ClientAddr;

/// A request is valid while `now < created + DEVICE_CODE_TTL`.
pub const DEVICE_CODE_TTL: i64 = 900;
/// Seconds a device waits between polls until told to slow down.
pub const POLL_INTERVAL: i64 = 5;
/// Prefix of device codes, so a leaked one says what it is.
const DEVICE_CODE_PREFIX: &str = "acdc_";

#[derive(Deserialize)]
pub struct DeviceAuthorizationRequest {
    client_id: Option<String>,
    client_secret: Option<String>,
    scope: Option<String>,
}

/// RFC 8628 section 3.2. `Debug` shows no device code.
#[derive(Serialize)]
pub struct DeviceAuthorizationResponse {
    pub device_code: String,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: String,
    pub expires_in: i64,
    pub interval: i64,
}

impl std::fmt::Debug for DeviceAuthorizationResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceAuthorizationResponse")
            .field("verification_uri", &self.verification_uri)
            .finish_non_exhaustive()
    }
}

impl IntoResponse for DeviceAuthorizationResponse {
    fn into_response(self) -> Response {
        let mut res = Json(self).into_response();
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        res
    }
}

/// `POST /oauth2/device_authorization`. Every request, valid or not, counts against the
/// address's rate limit and the total for unauthenticated writes.
pub async fn device_authorization(
    State(state): State<AppState>,
    Extension(ClientAddr(addr)): Extension<ClientAddr>,
    headers: HeaderMap,
    form: Result<Form<DeviceAuthorizationRequest>, FormRejection>,
) -> Result<DeviceAuthorizationResponse, OAuthError> {
    state
        .limits
        .check(Action::AuthorizeDevice, addr)
        .await
        .map_err(OAuthError::too_many_requests)?;
    let Form(req) = form.map_err(|rejection| OAuthError::invalid_request(rejection.body_text()))?;
    let client = client_for_grant(
        &state,
        &headers,
        req.client_id.as_deref(),
        req.client_secret.as_deref(),
        GrantType::DeviceCode,
    )
    .await?;
    let requested = Scopes::parse(req.scope.as_deref().unwrap_or_default());
    let scopes = normalize(&state.catalogue, &requested)
        .map_err(|unknown| OAuthError::invalid_scope(unknown.to_string()))?;
    if scopes.is_empty() {
        return Err(OAuthError::invalid_scope(
            "Ask for at least one scope (space-separated).",
        ));
    }

    let now = state.now();
    let device_code = new_secret(DEVICE_CODE_PREFIX);
    let mut row = DeviceCodeRow {
        device_code_hash: hash(&device_code),
        user_code: String::new(),
        client_id: client.id.clone(),
        scopes,
        created_at: now,
        expires_at: now + DEVICE_CODE_TTL,
        poll_interval: POLL_INTERVAL,
        last_polled_at: None,
        user_id: None,
        approved_at: None,
        denied_at: None,
        used_at: None,
        grant_id: None,
    };
    // With 20^8 codes a collision among live ones is rare; a few draws always find a free one.
    let mut user_code = UserCode::generate();
    let mut attempts = 0;
    loop {
        row.user_code = user_code.as_str().to_owned();
        if device_codes::insert(&state.db, &row).await? {
            break;
        }
        attempts += 1;
        if attempts == 5 {
            tracing::error!("no free user code after 5 draws");
            return Err(OAuthError::temporarily_unavailable());
        }
        user_code = UserCode::generate();
    }
    tracing::info!(device_code = %log_id(&device_code), client = %client.id, scopes = %row.scopes, "device authorization started");
    let (verification_uri, verification_uri_complete) = verification_uris(&state, &user_code);
    Ok(DeviceAuthorizationResponse {
        device_code,
        user_code: user_code.display(),
        verification_uri,
        verification_uri_complete,
        expires_in: DEVICE_CODE_TTL,
        interval: POLL_INTERVAL,
    })
}

/// Where the person enters the code, and the same page with the code filled in.
pub fn verification_uris(state: &AppState, user_code: &UserCode) -> (String, String) {
    let page = format!("{}/device", state.config.public_base());
    let complete = format!("{page}?user_code={}", user_code.display());
    (page, complete)
}

/// An SVG QR code of `text`.
pub fn qr_svg(text: &str) -> Option<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
    )
}

/// An SVG QR code of `text` as a `data:` URI, for an `<img>` (the page CSP allows `data:`).
pub fn qr_data_uri(text: &str) -> Option<String> {
    qr_svg(text).map(|svg| {
        format!(
            "data:image/svg+xml;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(svg)
        )
    })
}

#[derive(Deserialize)]
pub struct QrQuery {
    user_code: Option<String>,
}

/// `GET /device/qr?user_code=XXXX-XXXX`: the QR code of `verification_uri_complete`. Any
/// well-formed user code is drawn, live or not, so the picture tells nothing about codes.
pub async fn qr(State(state): State<AppState>, Query(query): Query<QrQuery>) -> Response {
    let Some(user_code) = query.user_code.as_deref().and_then(UserCode::parse) else {
        return (
            StatusCode::BAD_REQUEST,
            "user_code must be a code like BCDF-GHJK.",
        )
            .into_response();
    };
    let (_, complete) = verification_uris(&state, &user_code);
    match qr_svg(&complete) {
        Some(svg) => (
            [
                (header::CONTENT_TYPE, "image/svg+xml"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            svg,
        )
            .into_response(),
        None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
