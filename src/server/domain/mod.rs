//! The domain: what a grant, an agent code, a device request, an account and the security log
//! are, and every rule about them. Protocols (`oauth/`, `mcp/`) and pages (`api/`) ask these
//! modules and hold only their own wire formats and words.

pub mod accounts;
pub mod activity_log;
pub mod agent_code;
pub mod catalogue;
pub mod device;
pub mod grant;
pub mod network;
pub mod ratelimit;
pub mod redirect_uris;
pub mod secrets;
pub mod security_log;
pub mod token_cache;

use std::net::IpAddr;

use crate::server::db::ids::UserId;

/// Who acts, from where, and when: the one value the domain's verbs take for the person whose
/// account an act concerns, so that a verb's signature stays short and its log entry complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor<'a> {
    /// The account acted on, and whose security log records it.
    pub user_id: &'a UserId,
    /// The address the act came from, when there was a request.
    pub addr: Option<IpAddr>,
    /// When, in unix seconds from the one clock.
    pub at: i64,
}
