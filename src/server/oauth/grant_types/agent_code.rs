//! The extension grant `urn:agent-connect:grant-type:agent-auth-code` (RFC 6749 section 4.5):
//! the token endpoint's words around [`agent_code::redeem`]. Rate-limited per address; a
//! malformed code is refused without a lookup, and every refusal reads the same.

use std::net::IpAddr;

use super::request::TokenRequest;
use crate::server::app::state::AppState;
use crate::server::app::telemetry;
use crate::server::domain::agent_code::format::AgentCode;
use crate::server::domain::agent_code::group_commit::Redemption;
use crate::server::domain::agent_code::{self, clean_agent_name, clean_software};
use crate::server::domain::ratelimit::Action;
use crate::server::oauth::error::{OAuthError, outcome};
use crate::server::oauth::issue::TokenResponse;

/// The one answer for every code that cannot be redeemed, whatever the reason.
fn refused(state: &AppState) -> OAuthError {
    OAuthError::invalid_grant(format!(
        "The agent auth code is invalid, expired or already used. Ask the person to generate a new one at {}/connect.",
        state.config.public_base()
    ))
}

/// Redeems the request's code. `software` is what the client says it is (its User-Agent,
/// its MCP client info), kept for the person to recognise it.
pub async fn redeem(
    state: &AppState,
    addr: IpAddr,
    software: Option<&str>,
    req: &TokenRequest,
) -> Result<TokenResponse, OAuthError> {
    let answer = redeem_once(state, addr, software, req).await;
    telemetry::redemption(outcome(&answer));
    answer
}

async fn redeem_once(
    state: &AppState,
    addr: IpAddr,
    software: Option<&str>,
    req: &TokenRequest,
) -> Result<TokenResponse, OAuthError> {
    state
        .limits
        .check(Action::RedeemCode, addr)
        .await
        .map_err(OAuthError::too_many_requests)?;
    let Some(text) = req.code.as_deref() else {
        return Err(OAuthError::invalid_request("code is required."));
    };
    let Ok(code) = AgentCode::parse(text) else {
        tracing::info!(%addr, "malformed agent auth code refused");
        return Err(refused(state));
    };
    let redemption = Redemption {
        code_hash: code.hash(),
        agent_name: req.agent_name.as_deref().and_then(clean_agent_name),
        client_software: software.and_then(clean_software),
        addr,
        now: state.now(),
    };
    let redeemed = agent_code::redeem(&state.db, state.group_commit.as_ref(), redemption).await?;
    let Some((grant, tokens)) = redeemed else {
        tracing::info!(code = ?code, %addr, "agent auth code refused");
        return Err(refused(state));
    };
    tracing::info!(code = ?code, grant = %grant.id, %addr, "agent auth code redeemed");
    Ok(TokenResponse::new(&grant, tokens))
}
