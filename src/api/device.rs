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
    use crate::server::auth::portal;
    use crate::server::db::{clients, device_codes};
    use crate::server::domain::device::user_code::UserCode;
    use crate::server::domain::ratelimit::Action;
    use crate::server::domain::security_log::application_name;
    use crate::server::oauth::device::{qr_data_uri, verification_uris};

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
        |c| {
            let mut summary = c.summary();
            summary.name = application_name(&summary.name, crate::language::current());
            summary
        },
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
    use crate::server::auth::portal;
    use crate::server::db::device_codes;
    use crate::server::domain::device::user_code::UserCode;
    use crate::server::domain::device::{self, Decision};
    use crate::server::domain::ratelimit::Action;

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
    let decision = if approve {
        Decision::Approve
    } else {
        Decision::Deny
    };
    let by = crate::server::domain::Actor {
        user_id: &user.id,
        addr: Some(addr),
        at: now,
    };
    if device::decide(&state.db, &user_code, decision, by)
        .await?
        .is_none()
    {
        return Err(not_found());
    }
    Ok(())
}
