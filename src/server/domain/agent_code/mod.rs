//! The agent auth code: issued on /connect to a signed-in person, redeemed once by an agent.
//! Its format is [`format::AgentCode`]; consuming it, creating the grant and minting its tokens
//! commit together ([`group_commit::redeem_all`]). The token endpoint's extension grant
//! (`server/oauth/grant_types/agent_code.rs`) and the MCP tool `authenticate` both redeem
//! through [`redeem`].

pub mod format;
pub mod group_commit;

use crate::lifetime::Lifetimes;
use crate::scopes::{Scope, Scopes, is_high_risk};
use crate::server::db::Pool;
use crate::server::db::agent_codes::{self, AgentCodeRow};
use crate::server::domain::Actor;
use crate::server::domain::security_log::{self, EventDetail};
use format::AgentCode;
use group_commit::{GroupCommit, Redeemed, Redemption, redeem_all};

/// A code is valid while `now < issued + CODE_TTL`.
pub const CODE_TTL: i64 = 300;
/// Seconds the high-risk scopes of a redeemed code wait for the person's approval on the
/// page that issued it; then the grant is revoked.
pub const CONFIRM_WITHIN: i64 = 600;
/// Longest client software name kept.
const MAX_SOFTWARE: usize = 120;
/// Longest agent name kept.
pub const MAX_AGENT_NAME: usize = 64;

/// What the person chose on /connect for a new code, scopes already checked.
#[derive(Debug, Clone)]
pub struct CodeRequest {
    pub scopes: Scopes,
    pub agent_name: Option<String>,
    pub lifetimes: Lifetimes,
    /// Its grant is paused when used from a network other than the one that redeemed it.
    pub guard_network: bool,
}

/// Issues a code for the person `by` names. Returns the code and its expiry.
pub async fn issue(
    db: &Pool,
    catalogue: &[Scope],
    by: Actor<'_>,
    request: CodeRequest,
) -> Result<(AgentCode, i64), sqlx::Error> {
    let now = by.at;
    let code = AgentCode::generate();
    let confirm_within = request
        .scopes
        .as_slice()
        .iter()
        .any(|s| is_high_risk(catalogue, s))
        .then_some(CONFIRM_WITHIN);
    let row = AgentCodeRow {
        code_hash: code.hash(),
        user_id: by.user_id.to_string(),
        scopes: request.scopes,
        agent_name: request.agent_name,
        created_at: now,
        expires_at: now + CODE_TTL,
        lifetime: request.lifetimes.grant,
        high_risk_lifetime: request.lifetimes.high_risk,
        confirm_within,
        guard_network: i64::from(request.guard_network),
    };
    let mut tx = db.begin().await?;
    agent_codes::insert(&mut *tx, &row).await?;
    let detail = EventDetail::CodeIssued {
        agent: row.agent_name.clone(),
        scopes: row.scopes.to_string(),
    };
    security_log::record(&mut *tx, by, &detail).await?;
    tx.commit().await?;
    tracing::info!(code = %&row.code_hash[..8], user = %by.user_id, scopes = %row.scopes, "agent auth code issued");
    Ok((code, row.expires_at))
}

/// Redeems a code: consumed only together with the grant and tokens it creates, by the
/// batching `writer` where one process owns the database, otherwise in a transaction of its
/// own. `None` when the code is unknown, used or expired; nothing is consumed then.
pub async fn redeem(
    db: &Pool,
    writer: Option<&GroupCommit>,
    redemption: Redemption,
) -> Result<Option<Redeemed>, sqlx::Error> {
    match writer {
        Some(writer) => writer.redeem(redemption).await,
        None => {
            let mut tx = db.begin().await?;
            let redeemed = redeem_all(&mut tx, &[&redemption]).await?.pop().flatten();
            tx.commit().await?;
            Ok(redeemed)
        }
    }
}

/// An agent name as people will read it: trimmed, no control characters, bounded; `None`
/// when nothing is left.
pub fn clean_agent_name(raw: &str) -> Option<String> {
    clean(raw, MAX_AGENT_NAME)
}

/// Client software as the person will read it: printable, bounded; `None` when nothing is left.
pub fn clean_software(raw: &str) -> Option<String> {
    clean(raw, MAX_SOFTWARE)
}

fn clean(raw: &str, max: usize) -> Option<String> {
    let cleaned: String = raw.chars().filter(|c| !c.is_control()).take(max).collect();
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
