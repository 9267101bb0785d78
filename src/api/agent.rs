//! The page of one agent (`/security/agents/{id}`): its grant, what it did, and the person's
//! controls over it: pause, resume, rename. Revoking is the security page's [`RevokeGrant`]
//! (crate::api::security::RevokeGrant).

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::AgentView;

/// How many lines of activity the page shows.
#[cfg(feature = "ssr")]
const ACTIVITY_LINES: i64 = 50;

/// The agent's page, if the grant is the signed-in person's.
#[server(endpoint = "agent")]
pub async fn fetch_agent_view(grant_id: String) -> Result<AgentView, AppError> {
    use crate::api::security::grant_view;
    use crate::model::{ActivityView, AgentStatus};
    use crate::server::auth::portal;
    use crate::server::db::{activity, grants};
    use crate::server::domain::grant::{self, Ended, Standing};

    let portal::SignedIn { state, user, .. } = portal::signed_in().await?;
    let locale = crate::language::current();
    let now = state.now();
    let Some(grant) = grants::find_for_user(&state.db, &grant_id, &user.id).await? else {
        return Err(not_found());
    };
    // What was counted in memory is written first, so the page shows the latest calls.
    state.activity.flush(&state.db).await;
    let activity = activity::list_recent(&state.db, &grant.id, ACTIVITY_LINES)
        .await?
        .into_iter()
        .map(|row| ActivityView {
            title: activity_title(row.kind, &row.name, locale),
            calls: row.calls,
            client_ip: row.client_ip,
            last_at: row.last_at,
        })
        .collect();
    let status = match grant::standing(&state.catalogue, &grant.state(), None, now) {
        Standing::Over(Ended::Revoked { at }) => AgentStatus::Revoked { at },
        Standing::Over(Ended::Expired | Ended::NotApprovedInTime) => AgentStatus::Expired,
        Standing::Paused { since, .. } => AgentStatus::Paused { since },
        Standing::Active(_) | Standing::WaitingForApproval(_) | Standing::MovedNetwork(_) => {
            AgentStatus::Active
        }
    };
    Ok(AgentView {
        status,
        client_id: grant.client_id.to_string(),
        last_used_ip: grant.last_used_ip.clone(),
        home_network: grant.home_network.clone(),
        client_software: grant.client_software.clone(),
        redeemed_ip: grant.redeemed_ip.clone(),
        activity,
        now,
        grant: grant_view(grant, &state.catalogue, locale),
    })
}

/// Pauses the agent: its tokens are refused until the person resumes it.
#[server(endpoint = "pause_agent")]
pub async fn pause_agent(grant_id: String) -> Result<(), AppError> {
    use crate::server::domain::grant::Change;
    change(grant_id, Change::Pause, "paused").await
}

/// Resumes a paused agent: its tokens, and its refresh token, work again.
#[server(endpoint = "resume_agent")]
pub async fn resume_agent(grant_id: String) -> Result<(), AppError> {
    use crate::server::domain::grant::Change;
    change(grant_id, Change::Resume, "resumed").await
}

/// Gives the agent another name, on its page, the security page and in `whoami`.
#[server(endpoint = "rename_agent")]
pub async fn rename_agent(grant_id: String, agent_name: String) -> Result<(), AppError> {
    use crate::server::domain::agent_code::clean_agent_name;
    use crate::server::domain::grant::Change;

    let Some(name) = clean_agent_name(&agent_name) else {
        return Err(AppError::invalid(crate::language::td_string!(
            crate::language::current(),
            security.enter_name
        )));
    };
    change(grant_id, Change::Rename(name), "renamed").await
}

#[cfg(feature = "ssr")]
async fn change(
    grant_id: String,
    change: crate::server::domain::grant::Change,
    done: &str,
) -> Result<(), AppError> {
    use crate::server::auth::portal;
    use crate::server::domain::grant;

    let signed_in = portal::signed_in().await?;
    let by = signed_in.actor(portal::client_addr().await);
    let state = &signed_in.state;
    let changed =
        grant::change(&state.db, &state.live_tokens, &grant_id.into(), change, by).await?;
    // Only a grant of this person's, found in the database, names the page to go back to.
    let Some(grant) = changed else {
        return Err(AppError::invalid(crate::language::td_string!(
            crate::language::current(),
            security.could_not_change
        )));
    };
    leptos_axum::redirect(&format!(
        "{}?done={done}",
        crate::links::agent_path(&grant.id)
    ));
    Ok(())
}

#[cfg(feature = "ssr")]
fn not_found() -> AppError {
    AppError::NotFound(
        crate::language::td_string!(crate::language::current(), security.no_such_agent).into(),
    )
}

/// A line of the timeline, in words.
#[cfg(feature = "ssr")]
fn activity_title(
    kind: crate::server::db::activity::ActivityKind,
    name: &str,
    locale: crate::language::Locale,
) -> String {
    use crate::language::{td_display, td_string};
    use crate::server::db::activity::ActivityKind;
    match kind {
        ActivityKind::ToolCall => td_display!(locale, security.activity_called, name).to_string(),
        ActivityKind::ToolRefused => {
            td_display!(locale, security.activity_refused, name).to_string()
        }
        ActivityKind::Refresh => td_string!(locale, security.activity_refreshed).into(),
        ActivityKind::Paused => td_string!(locale, security.activity_paused).into(),
        ActivityKind::Resumed => td_string!(locale, security.activity_resumed).into(),
        ActivityKind::Renamed => td_display!(locale, security.activity_renamed, name).to_string(),
        ActivityKind::HighRiskRenewed => td_string!(locale, security.activity_renewed).into(),
        ActivityKind::PausedOnNewNetwork => {
            td_display!(locale, security.activity_new_network, name).to_string()
        }
    }
}
