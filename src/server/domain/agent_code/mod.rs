//! The agent auth code: issued on /connect to a signed-in person, redeemed once by an agent
//! with the extension grant `urn:agent-connect:grant-type:agent-auth-code` (RFC 6749 section
//! 4.5). Consuming the code, creating the grant and minting its tokens commit together.

pub mod group_commit;

use std::net::IpAddr;

use super::request::TokenRequest;
use crate::lifetime::Lifetimes;
use crate::scopes::{Scopes, is_high_risk};
use crate::server::codes::AgentCode;
use crate::server::db::agent_codes::{self, AgentCodeRow};
use crate::server::db::events::{self, EventKind};
use crate::server::event_detail::EventDetail;
use crate::server::oauth::error::{OAuthError, outcome};
use crate::server::oauth::issue::TokenResponse;
use crate::server::ratelimit::Action;
use crate::server::state::AppState;
use crate::server::telemetry;
use group_commit::{Redemption, redeem_all};

/// A code is valid while `now < issued + CODE_TTL`.
pub const CODE_TTL: i64 = 300;
/// Seconds the high-risk scopes of a redeemed code wait for the person's approval on the
/// page that issued it; then the grant is revoked.
pub const CONFIRM_WITHIN: i64 = 600;
/// Longest client software name kept.
const MAX_SOFTWARE: usize = 120;
/// Longest agent name kept.
pub const MAX_AGENT_NAME: usize = 64;

/// Issues a code for `user_id` with already-checked `scopes`. Returns the code and its expiry.
/// `guard_network`: its grant is paused when used from a network other than the one that
/// redeemed it.
#[allow(clippy::too_many_arguments)]
pub async fn issue(
    state: &AppState,
    user_id: &str,
    scopes: Scopes,
    agent_name: Option<String>,
    lifetimes: Lifetimes,
    guard_network: bool,
    addr: IpAddr,
) -> Result<(AgentCode, i64), sqlx::Error> {
    let now = state.now();
    let code = AgentCode::generate();
    let confirm_within = scopes
        .as_slice()
        .iter()
        .any(|s| is_high_risk(&state.catalogue, s))
        .then_some(CONFIRM_WITHIN);
    let row = AgentCodeRow {
        code_hash: code.hash(),
        user_id: user_id.to_owned(),
        scopes,
        agent_name,
        created_at: now,
        expires_at: now + CODE_TTL,
        lifetime: lifetimes.grant,
        high_risk_lifetime: lifetimes.high_risk,
        confirm_within,
        guard_network: i64::from(guard_network),
    };
    let mut tx = state.db.begin().await?;
    agent_codes::insert(&mut *tx, &row).await?;
    let detail = EventDetail::CodeIssued {
        agent: row.agent_name.clone(),
        scopes: row.scopes.to_string(),
    }
    .stored();
    events::record(
        &mut *tx,
        user_id,
        EventKind::CodeIssued,
        &detail,
        Some(&addr.to_string()),
        now,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(code = %&row.code_hash[..8], user = %user_id, scopes = %row.scopes, "agent auth code issued");
    Ok((code, row.expires_at))
}

/// The one answer for every code that cannot be redeemed, whatever the reason.
fn refused(state: &AppState) -> OAuthError {
    OAuthError::invalid_grant(format!(
        "The agent auth code is invalid, expired or already used. Ask the person to generate a new one at {}/connect.",
        state.config.public_base()
    ))
}

/// Redeems a code: rate-limited per address, refused without a lookup when malformed, and
/// consumed only together with the grant and tokens it creates.
/// `software` is what the client says it is (its User-Agent, its MCP client info), kept for
/// the person to recognise it.
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
    let redeemed = match &state.group_commit {
        Some(writer) => writer.redeem(redemption).await?,
        None => {
            let mut tx = state.db.begin().await?;
            let redeemed = redeem_all(&mut tx, &[&redemption]).await?.pop().flatten();
            tx.commit().await?;
            redeemed
        }
    };
    let Some((grant, tokens)) = redeemed else {
        tracing::info!(code = ?code, %addr, "agent auth code refused");
        return Err(refused(state));
    };
    tracing::info!(code = ?code, grant = %grant.id, %addr, "agent auth code redeemed");
    Ok(TokenResponse::new(&grant, tokens))
}

/// An agent name as people will read it: trimmed, no control characters, bounded; `None`
/// when nothing is left.
pub fn clean_agent_name(raw: &str) -> Option<String> {
    let cleaned: String = raw
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_AGENT_NAME)
        .collect();
    let cleaned = cleaned.trim();
    (!cleaned.is_empty()).then(|| cleaned.to_owned())
}

/// Client software as the person will read it: printable, bounded; `None` when nothing is left.
fn clean_software(raw: &str) -> Option<String> {
    let cleaned: String = raw
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_SOFTWARE)
        .collect();
    let cleaned = cleaned.trim();
    (!cleaned.is_empty()).then(|| cleaned.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_software_is_kept_readable_and_bounded() {
        assert_eq!(clean_software(" curl/8.5.0\r\n"), Some("curl/8.5.0".into()));
        assert_eq!(clean_software("\t"), None);
        assert_eq!(
            clean_software(&"x".repeat(500)).unwrap().len(),
            MAX_SOFTWARE
        );
    }

    #[test]
    fn agent_names_are_cleaned() {
        assert_eq!(
            clean_agent_name("  Claude Code \n"),
            Some("Claude Code".into())
        );
        assert_eq!(clean_agent_name("a\u{7}b"), Some("ab".into()));
        assert_eq!(clean_agent_name("   "), None);
        assert_eq!(
            clean_agent_name(&"x".repeat(100)).unwrap().len(),
            MAX_AGENT_NAME
        );
    }
}
