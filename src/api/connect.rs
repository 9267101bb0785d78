//! The /connect page: issuing agent auth codes and following what happens to them.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{CodeStatus, ConnectView};

/// The catalogue, the code this session issued (while it matters) and the form's pre-fill.
#[server(endpoint = "connect")]
pub async fn fetch_connect_view() -> Result<ConnectView, AppError> {
    use crate::server::auth::portal;
    use crate::server::auth::portal_session;

    let portal::SignedIn {
        state,
        session,
        user,
    } = portal::signed_in().await?;
    let last = portal_session::last_request(&session).await?;
    let issued = match portal_session::issued_code(&session).await? {
        Some(stored) => {
            let status = status_of(&state, &user.id, &stored).await?;
            if status != CodeStatus::Waiting {
                // The code itself is never shown again once it has expired or been used.
                portal_session::forget_plain_code(&session, &stored).await?;
            }
            let mut shown = stored.shown;
            if status != CodeStatus::Waiting {
                shown.code.clear();
            }
            shown.status = status;
            Some(shown)
        }
        None => None,
    };
    Ok(ConnectView {
        catalogue: state.catalogue.as_ref().clone(),
        issued,
        last_scopes: last.scopes,
        last_agent_name: last.agent_name,
        last_lifetime: last.lifetime,
        last_high_risk_lifetime: last.high_risk_lifetime,
        last_guard_network: last.guard_network,
        public_url: state.config.public_base(),
        cli_download: state.cli_build.describe().await,
        now: state.now(),
    })
}

/// Where the code on the page stands; polled by the page while it waits.
#[server(endpoint = "code_status")]
pub async fn fetch_code_status() -> Result<Option<CodeStatus>, AppError> {
    use crate::server::auth::portal;
    use crate::server::auth::portal_session;

    let portal::SignedIn {
        state,
        session,
        user,
    } = portal::signed_in().await?;
    match portal_session::issued_code(&session).await? {
        Some(stored) => {
            let status = status_of(&state, &user.id, &stored).await?;
            if status != CodeStatus::Waiting {
                portal_session::forget_plain_code(&session, &stored).await?;
            }
            Ok(Some(status))
        }
        None => Ok(None),
    }
}

#[cfg(feature = "ssr")]
async fn status_of(
    state: &crate::server::app::state::AppState,
    user_id: &str,
    stored: &crate::server::auth::portal_session::StoredCode,
) -> Result<CodeStatus, AppError> {
    use crate::model::{Confirmation, ConfirmationState};
    use crate::scopes::is_high_risk;
    use crate::server::db::agent_codes;
    use crate::server::domain::security_log::agent_name;

    let now = state.now();
    let redemption = agent_codes::find_redemption(&state.db, &stored.code_hash, user_id).await?;
    Ok(match redemption {
        Some(r) if r.used_at.is_some() => {
            let confirmation = r.confirm_within.zip(r.grant_id).map(|(_, grant_id)| {
                let standing = match (r.revoked_at, r.pending_until) {
                    (Some(_), _) => ConfirmationState::Revoked,
                    (None, Some(until)) if until > now => ConfirmationState::Pending { until },
                    (None, Some(_)) => ConfirmationState::Revoked,
                    (None, None) => ConfirmationState::Approved,
                };
                Confirmation {
                    grant_id,
                    client_software: r.client_software,
                    address: r.redeemed_ip,
                    waiting: stored
                        .shown
                        .scopes
                        .iter()
                        .filter(|scope| is_high_risk(&state.catalogue, scope))
                        .cloned()
                        .collect(),
                    state: standing,
                }
            });
            CodeStatus::Redeemed {
                agent_name: agent_name(
                    r.agent_name.as_deref().unwrap_or_default(),
                    crate::language::current(),
                ),
                at: r.used_at.unwrap_or_default(),
                confirmation,
            }
        }
        _ if now >= stored.shown.expires_at => CodeStatus::Expired,
        _ => CodeStatus::Waiting,
    })
}

/// Issues a code for the checked scopes. High-risk scopes need `confirm_high_risk`.
#[server(endpoint = "generate_code")]
pub async fn generate_code(
    scopes: Option<Vec<String>>,
    agent_name: Option<String>,
    confirm_high_risk: Option<String>,
    lifetime: Option<String>,
    high_risk_lifetime: Option<String>,
    guard_network: Option<String>,
) -> Result<(), AppError> {
    use crate::language::{self, td_string};
    use crate::lifetime::{HighRiskLifetime, Lifetime, Lifetimes};
    use crate::model::IssuedCode;
    use crate::scopes::{Scopes, UnknownScope, high_risk_titles, normalize};
    use crate::server::auth::portal;
    use crate::server::auth::portal_session::{self, LastRequest, StoredCode};
    use crate::server::domain::agent_code::{self, CodeRequest};
    use crate::server::domain::ratelimit::Action;

    let portal::SignedIn {
        state,
        session,
        user,
    } = portal::signed_in().await?;
    let addr = portal::client_addr().await;
    let locale = language::current();

    let requested = Scopes::from(scopes.unwrap_or_default());
    let agent_name = agent_name.as_deref().and_then(agent_code::clean_agent_name);
    // Remember the request first, so a refused form comes back as the person filled it.
    let scopes = normalize(&state.catalogue, &requested).map_err(|UnknownScope(name)| {
        AppError::invalid(td_string!(locale, connect.unknown_scope, name).to_string())
    })?;
    // A missing choice (an older page, a script) is the default; an unknown one is refused.
    let grant_lifetime = match lifetime.as_deref() {
        None | Some("") => Some(Lifetime::default()),
        Some(value) => Lifetime::parse(value),
    };
    let high_risk_lifetime = match high_risk_lifetime.as_deref() {
        None | Some("") => Some(HighRiskLifetime::default()),
        Some(value) => HighRiskLifetime::parse(value),
    };
    portal_session::set_last_request(
        &session,
        &LastRequest {
            scopes: scopes.as_slice().to_vec(),
            agent_name: agent_name.clone().unwrap_or_default(),
            lifetime: grant_lifetime.unwrap_or_default().value().to_owned(),
            high_risk_lifetime: high_risk_lifetime.unwrap_or_default().value().to_owned(),
            guard_network: guard_network.is_some(),
        },
    )
    .await?;
    let (Some(grant_lifetime), Some(high_risk_lifetime)) = (grant_lifetime, high_risk_lifetime)
    else {
        return Err(AppError::invalid(td_string!(locale, connect.pick_lifetime)));
    };
    if scopes.is_empty() {
        return Err(AppError::invalid(td_string!(locale, connect.pick_scope)));
    }
    let risky = high_risk_titles(&state.catalogue, &scopes, locale);
    if !risky.is_empty() && confirm_high_risk.is_none() {
        let titles = risky.join(td_string!(locale, connect.list_separator));
        return Err(AppError::invalid(
            td_string!(locale, connect.confirm_high_risk, titles).to_string(),
        ));
    }
    state
        .limits
        .check(Action::IssueCode, addr)
        .await
        .map_err(AppError::RateLimited)?;

    let by = crate::server::domain::Actor {
        user_id: &user.id,
        addr: Some(addr),
        at: state.now(),
    };
    let request = CodeRequest {
        scopes: scopes.clone(),
        agent_name: agent_name.clone(),
        lifetimes: Lifetimes::chosen(grant_lifetime, high_risk_lifetime),
        guard_network: guard_network.is_some(),
    };
    let (code, expires_at) = agent_code::issue(&state.db, &state.catalogue, by, request).await?;
    let stored = StoredCode {
        code_hash: code.hash(),
        shown: IssuedCode {
            code: code.display(),
            scopes: scopes.into_vec(),
            agent_name,
            expires_at,
            status: CodeStatus::Waiting,
            lifetime: grant_lifetime.value().to_owned(),
            high_risk_lifetime: high_risk_lifetime.value().to_owned(),
            guard_network: guard_network.is_some(),
        },
    };
    portal_session::set_issued_code(&session, &stored).await?;
    leptos_axum::redirect("/connect");
    Ok(())
}

/// Approves the agent that redeemed this session's code: its high-risk permissions work from
/// the very next request.
#[server(endpoint = "approve_agent")]
pub async fn approve_agent(grant_id: String, back: Option<String>) -> Result<(), AppError> {
    use crate::server::auth::portal;
    use crate::server::domain::grant;

    let signed_in = portal::signed_in().await?;
    let by = signed_in.actor(portal::client_addr().await);
    let state = &signed_in.state;
    let approved =
        grant::approve(&state.db, &state.live_tokens, &grant_id.clone().into(), by).await?;
    if approved.is_none() {
        return Err(AppError::invalid(crate::language::td_string!(
            crate::language::current(),
            connect.nothing_to_approve
        )));
    }
    decided(&grant_id, back.as_deref(), "approved");
    Ok(())
}

/// Denies the agent that redeemed this session's code: its access is revoked at once.
#[server(endpoint = "deny_agent")]
pub async fn deny_agent(grant_id: String, back: Option<String>) -> Result<(), AppError> {
    crate::api::security::revoke_for_person(&grant_id, true).await?;
    match back.as_deref() {
        // A denied agent's page has nothing left to decide: the security page says it went.
        Some("agent") => leptos_axum::redirect("/security?done=revoked"),
        _ => leptos_axum::redirect("/connect"),
    }
    Ok(())
}

/// Sends the browser back after an approval: to /connect, or to the agent's page.
#[cfg(feature = "ssr")]
fn decided(grant_id: &str, back: Option<&str>, done: &str) {
    match back {
        Some("agent") => leptos_axum::redirect(&format!(
            "{}?done={done}",
            crate::links::agent_path(grant_id)
        )),
        _ => leptos_axum::redirect("/connect"),
    }
}

/// Puts the form back, pre-filled with the last request ("Generate another").
#[server(endpoint = "new_code_form")]
pub async fn new_code_form() -> Result<(), AppError> {
    use crate::server::auth::portal;
    use crate::server::auth::portal_session;

    let portal::SignedIn { session, .. } = portal::signed_in().await?;
    portal_session::clear_issued_code(&session).await?;
    leptos_axum::redirect("/connect");
    Ok(())
}
