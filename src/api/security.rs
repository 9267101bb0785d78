//! The /security page: the account's AI Agent grants and its security log.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::SecurityView;

/// How many days a theft signal stays on top of the security page.
#[cfg(feature = "ssr")]
const ALERT_DAYS: i64 = 30;

#[server(endpoint = "security")]
pub async fn fetch_security_view() -> Result<SecurityView, AppError> {
    use crate::model::EventView;
    use crate::server::auth::portal;
    use crate::server::db::{events, grants};
    use crate::server::domain::security_log::EventDetail;

    let portal::SignedIn { state, user, .. } = portal::signed_in().await?;
    let locale = crate::language::current();
    let now = state.now();
    let grants = grants::list_active(&state.db, &user.id, now)
        .await?
        .into_iter()
        .map(|g| grant_view(g, &state.catalogue, locale))
        .collect();
    // The page lists the last twenty events.
    let events = events::list_recent(&state.db, &user.id, 20)
        .await?
        .into_iter()
        .map(|e| EventView {
            title: event_title(e.kind, locale).to_owned(),
            detail: EventDetail::describe(&e.detail, locale),
            at: e.created_at,
        })
        .collect();
    // Theft signals of the last 30 days stay on top of the page.
    let alerts = events::list_theft_signals(&state.db, &user.id, now - ALERT_DAYS * 86_400, 5)
        .await?
        .into_iter()
        .map(|e| EventView {
            title: event_title(e.kind, locale).to_owned(),
            detail: EventDetail::describe(&e.detail, locale),
            at: e.created_at,
        })
        .collect();
    Ok(SecurityView {
        alerts,
        grants,
        events,
        now,
    })
}

/// A security event's title in the visitor's language.
#[cfg(feature = "ssr")]
fn event_title(
    kind: crate::server::db::events::EventKind,
    locale: crate::language::Locale,
) -> &'static str {
    use crate::language::td_string;
    use crate::server::db::events::EventKind;
    match kind {
        EventKind::SignedUp => td_string!(locale, security.event_signed_up),
        EventKind::SignedIn => td_string!(locale, security.event_signed_in),
        EventKind::CodeIssued => td_string!(locale, security.event_code_issued),
        EventKind::CodeRedeemed => td_string!(locale, security.event_code_redeemed),
        EventKind::GrantRevoked => td_string!(locale, security.event_grant_revoked),
        EventKind::TokenRevoked => td_string!(locale, security.event_token_revoked),
        EventKind::RefreshReuse => td_string!(locale, security.event_refresh_reuse),
        EventKind::AuthorizationApproved => td_string!(locale, security.event_app_approved),
        EventKind::AuthorizationDenied => td_string!(locale, security.event_app_denied),
        EventKind::DeviceApproved => td_string!(locale, security.event_device_approved),
        EventKind::DeviceDenied => td_string!(locale, security.event_device_denied),
        EventKind::GrantPaused => td_string!(locale, security.event_paused),
        EventKind::GrantResumed => td_string!(locale, security.event_resumed),
        EventKind::GrantRenamed => td_string!(locale, security.event_renamed),
        EventKind::HighRiskRenewed => td_string!(locale, security.event_renewed),
        EventKind::AgentApproved => td_string!(locale, security.event_agent_approved),
        EventKind::AgentDenied => td_string!(locale, security.event_agent_denied),
        EventKind::PausedOnNewNetwork => td_string!(locale, security.event_new_network),
    }
}

/// A grant as the pages show it, in the visitor's language.
#[cfg(feature = "ssr")]
pub(crate) fn grant_view(
    grant: crate::server::db::grants::Grant,
    catalogue: &[crate::scopes::Scope],
    locale: crate::language::Locale,
) -> crate::model::GrantView {
    use crate::language::td_string;
    use crate::scopes::is_high_risk;
    use crate::server::db::grants::GrantedVia;
    use crate::server::domain::security_log::{agent_name, has_own_name};

    let high_risk = grant
        .scopes
        .as_slice()
        .iter()
        .filter(|name| is_high_risk(catalogue, name))
        .cloned()
        .collect();
    crate::model::GrantView {
        granted_via: match grant.granted_via {
            GrantedVia::AgentCode => td_string!(locale, security.via_agent_code),
            GrantedVia::AuthorizationCode => td_string!(locale, security.via_authorization_code),
            GrantedVia::DeviceCode => td_string!(locale, security.via_device_code),
        }
        .to_owned(),
        scopes: grant.scopes.into_vec(),
        id: grant.id.into(),
        agent_name: agent_name(&grant.agent_name, locale),
        named: has_own_name(&grant.agent_name),
        created_at: grant.created_at,
        last_used_at: grant.last_used_at,
        expires_at: grant.expires_at,
        paused: grant.paused_at.is_some(),
        ends_at: grant.ends_at,
        high_risk,
        high_risk_until: grant.high_risk_until,
        pending_until: grant.pending_until,
    }
}

/// Gives a grant's high-risk scopes another stretch of the time chosen when it was issued.
#[server(endpoint = "renew_high_risk")]
pub async fn renew_high_risk(grant_id: String, back: Option<String>) -> Result<(), AppError> {
    use crate::links::agent_path;
    use crate::server::auth::portal;
    use crate::server::domain::grant::{self, Change};

    let signed_in = portal::signed_in().await?;
    let by = signed_in.actor(portal::client_addr().await);
    let state = &signed_in.state;
    let renewed = grant::change(
        &state.db,
        &state.live_tokens,
        &grant_id.into(),
        Change::RenewHighRisk,
        by,
    )
    .await?;
    let Some(grant) = renewed else {
        return Err(AppError::invalid(crate::language::td_string!(
            crate::language::current(),
            security.could_not_renew
        )));
    };
    match back.as_deref() {
        Some("agent") => {
            leptos_axum::redirect(&format!("{}?done=renewed", agent_path(&grant.id)));
        }
        _ => leptos_axum::redirect("/security?done=renewed"),
    }
    Ok(())
}

/// Revokes one grant; its tokens stop working on the next request.
#[server(endpoint = "revoke_grant")]
pub async fn revoke_grant(grant_id: String) -> Result<(), AppError> {
    revoke_for_person(&grant_id, false).await?;
    leptos_axum::redirect("/security?done=revoked");
    Ok(())
}

/// Revokes one of the signed-in person's grants, as they asked: on the security or agent
/// page, or by denying the agent that redeemed their code (`denied`).
#[cfg(feature = "ssr")]
pub(crate) async fn revoke_for_person(grant_id: &str, denied: bool) -> Result<(), AppError> {
    use crate::server::auth::portal;
    use crate::server::domain::grant::{self, Revocation};

    let portal::SignedIn { state, user, .. } = portal::signed_in().await?;
    let addr = portal::client_addr().await;
    let why = if denied {
        Revocation::Denied { user_id: &user.id }
    } else {
        Revocation::ByPerson { user_id: &user.id }
    };
    let now = state.now();
    grant::revoke(
        &state.db,
        &state.live_tokens,
        &grant_id.into(),
        why,
        Some(addr),
        now,
    )
    .await?;
    Ok(())
}

/// Revokes every grant of the account.
#[server(endpoint = "revoke_all")]
pub async fn revoke_all_grants() -> Result<(), AppError> {
    use crate::server::auth::portal;
    use crate::server::domain::grant;

    let signed_in = portal::signed_in().await?;
    let by = signed_in.actor(portal::client_addr().await);
    let state = &signed_in.state;
    grant::revoke_all(&state.db, &state.live_tokens, by).await?;
    leptos_axum::redirect("/security?done=revoked_all");
    Ok(())
}
