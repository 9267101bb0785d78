//! The /device page (RFC 8628 section 3.3): look up a user code, then approve or deny the
//! device that shows it. Each entry of a code counts against the per-address limit.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::DeviceView;

/// The request behind `user_code`, if it is live and undecided.
#[server(endpoint = "device")]
pub async fn fetch_device_view(user_code: Option<String>) -> Result<DeviceView, AppError> {
    use crate::model::{ClientIdentity, ClientSummary, DeviceRequest};
    use crate::scopes::described;
    use crate::server::db::{clients, device_codes};
    use crate::server::oauth::device::{qr_data_uri, verification_uris};
    use crate::server::portal;
    use crate::server::ratelimit::Action;
    use crate::server::user_code::UserCode;

    let portal::SignedIn { state, .. } = portal::signed_in().await?;
    let Some(entered) = user_code.filter(|c| !c.trim().is_empty()) else {
        return Ok(DeviceView {
            request: None,
            not_found: false,
        });
    };
    state
        .limits
        .check(Action::EnterUserCode, portal::client_addr().await)
        .await
        .map_err(AppError::RateLimited)?;
    let not_found = DeviceView {
        request: None,
        not_found: true,
    };
    let Some(user_code) = UserCode::parse(&entered) else {
        return Ok(not_found);
    };
    let Some(row) = device_codes::find_pending(&state.db, user_code.as_str(), state.now()).await?
    else {
        return Ok(not_found);
    };
    let client = clients::find(&state.db, &row.client_id).await?.map_or_else(
        || ClientSummary {
            name: row.client_id.clone(),
            identity: ClientIdentity::SelfDeclared,
            loopback_only: false,
        },
        |c| c.summary(),
    );
    let scopes = described(&state.catalogue, &row.scopes);
    let (_, complete) = verification_uris(&state, &user_code);
    Ok(DeviceView {
        request: Some(DeviceRequest {
            user_code: user_code.display(),
            client,
            scopes,
            qr_data_uri: qr_data_uri(&complete),
        }),
        not_found: false,
    })
}

/// Approves the device showing `user_code`; its next poll gets tokens. High-risk scopes need
/// `confirm_high_risk`, as on /connect.
#[server(endpoint = "approve_device")]
pub async fn approve_device(
    user_code: String,
    confirm_high_risk: Option<String>,
) -> Result<(), AppError> {
    decide(user_code, true, confirm_high_risk.is_some()).await?;
    leptos_axum::redirect("/device?done=approved");
    Ok(())
}

/// Denies the device showing `user_code`; its next poll gets `access_denied`.
#[server(endpoint = "deny_device")]
pub async fn deny_device(user_code: String) -> Result<(), AppError> {
    decide(user_code, false, false).await?;
    leptos_axum::redirect("/device?done=denied");
    Ok(())
}

#[cfg(feature = "ssr")]
async fn decide(user_code: String, approve: bool, confirmed: bool) -> Result<(), AppError> {
    use crate::language::{self, td_string};
    use crate::scopes::high_risk_titles;
    use crate::server::db::events::{self, EventKind};
    use crate::server::db::{clients, device_codes};
    use crate::server::event_detail::EventDetail;
    use crate::server::portal;
    use crate::server::ratelimit::Action;
    use crate::server::user_code::UserCode;

    let portal::SignedIn { state, user, .. } = portal::signed_in().await?;
    let addr = portal::client_addr().await;
    state
        .limits
        .check(Action::EnterUserCode, addr)
        .await
        .map_err(AppError::RateLimited)?;
    let locale = language::current();
    let not_found = || AppError::invalid(td_string!(locale, oauth.code_not_found));
    let user_code = UserCode::parse(&user_code).ok_or_else(not_found)?;
    let now = state.now();
    if approve && !confirmed {
        let pending = device_codes::find_pending(&state.db, user_code.as_str(), now)
            .await?
            .ok_or_else(not_found)?;
        let risky = high_risk_titles(&state.catalogue, &pending.scopes, locale);
        if !risky.is_empty() {
            let titles = risky.join(td_string!(locale, connect.list_separator));
            return Err(AppError::invalid(
                td_string!(locale, oauth.device_confirm_high_risk, titles).to_string(),
            ));
        }
    }
    let mut tx = state.db.begin().await?;
    let decided = if approve {
        device_codes::approve(&mut *tx, user_code.as_str(), &user.id, now).await?
    } else {
        device_codes::deny(&mut *tx, user_code.as_str(), &user.id, now).await?
    };
    let Some(row) = decided else {
        tx.rollback().await?;
        return Err(not_found());
    };
    let client_name = clients::find(&mut *tx, &row.client_id)
        .await?
        .map_or_else(|| row.client_id.clone(), |c| c.name);
    let (client, scopes) = (client_name, row.scopes.to_string());
    let (kind, detail) = if approve {
        (
            EventKind::DeviceApproved,
            EventDetail::DeviceApproved { client, scopes },
        )
    } else {
        (
            EventKind::DeviceDenied,
            EventDetail::DeviceDenied { client, scopes },
        )
    };
    let detail = detail.stored();
    events::record(
        &mut *tx,
        &user.id,
        kind,
        &detail,
        Some(&addr.to_string()),
        now,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(user_code = ?user_code, user = %user.id, client = %row.client_id, approve, "device request decided");
    Ok(())
}
