//! Whether a grant may act now: the one answer that the Bearer check at `/mcp`, the legacy
//! `/mcp/agent` session, refresh, introspection and the agent's page all ask for. Changing what
//! "paused", "waiting for approval" or "over" means happens here and nowhere else.

use std::net::IpAddr;

use crate::lifetime::HighRiskLimits;
use crate::scopes::{self, Scope, Scopes};
use crate::server::db::grants::GrantState;
use crate::server::domain::network;

/// The scopes of a grant at a moment: those in force, and the granted ones held back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InForce {
    /// What it acts with now.
    pub scopes: Scopes,
    /// High-risk scopes waiting for the person's approval.
    pub pending: Vec<String>,
    /// High-risk scopes granted for a time that has ended, until the person renews them.
    pub lapsed: Vec<String>,
}

/// Why a grant can act no more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    Revoked {
        at: i64,
    },
    Expired,
    /// Its high-risk scopes waited for the person's approval in vain.
    NotApprovedInTime,
}

/// Where a grant stands at a moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// It acts with the scopes in force.
    Active(InForce),
    /// It acts with the scopes in force while its high-risk ones wait for the person.
    WaitingForApproval(InForce),
    /// The person (or the network guard, earlier) paused it: it does nothing until resumed.
    Paused {
        since: i64,
        in_force: InForce,
    },
    /// Used now from outside the network it is guarded to: it must be paused, now.
    MovedNetwork(InForce),
    Over(Ended),
}

impl Standing {
    /// Whether it may act at all (with [`InForce::scopes`]).
    pub fn may_act(&self) -> bool {
        matches!(self, Standing::Active(_) | Standing::WaitingForApproval(_))
    }

    /// The scopes of a grant that is not over.
    pub fn in_force(&self) -> Option<&InForce> {
        match self {
            Standing::Active(in_force)
            | Standing::WaitingForApproval(in_force)
            | Standing::MovedNetwork(in_force)
            | Standing::Paused { in_force, .. } => Some(in_force),
            Standing::Over(_) => None,
        }
    }

    /// The scopes of a grant that is not over, taken.
    pub fn into_in_force(self) -> Option<InForce> {
        match self {
            Standing::Active(in_force)
            | Standing::WaitingForApproval(in_force)
            | Standing::MovedNetwork(in_force)
            | Standing::Paused { in_force, .. } => Some(in_force),
            Standing::Over(_) => None,
        }
    }
}

/// Where `grant` stands at `now`, used from `from` when the caller is the agent (a resource
/// server asking about a token is not, and passes `None`).
pub fn standing(
    catalogue: &[Scope],
    grant: &GrantState,
    from: Option<IpAddr>,
    now: i64,
) -> Standing {
    if let Some(at) = grant.revoked_at {
        return Standing::Over(Ended::Revoked { at });
    }
    if grant.expires_at <= now {
        return Standing::Over(Ended::Expired);
    }
    let limits = grant.high_risk_limits();
    if limits.unapproved(now) {
        return Standing::Over(Ended::NotApprovedInTime);
    }
    let in_force = in_force(catalogue, &grant.scopes, limits, now);
    if let Some(since) = grant.paused_at {
        return Standing::Paused { since, in_force };
    }
    let strays = match (grant.home_network.as_deref(), from) {
        (Some(home), Some(addr)) => network::of(addr) != home,
        _ => false,
    };
    if strays {
        Standing::MovedNetwork(in_force)
    } else if limits.pending(now) {
        Standing::WaitingForApproval(in_force)
    } else {
        Standing::Active(in_force)
    }
}

/// The scopes a grant acts with at `now`: all it was granted, or, while its high-risk ones
/// wait for approval or once their time has passed, all but the catalogue's high-risk ones.
fn in_force(catalogue: &[Scope], granted: &Scopes, limits: HighRiskLimits, now: i64) -> InForce {
    if !(limits.pending(now) || limits.lapsed(now)) {
        return InForce {
            scopes: granted.clone(),
            pending: Vec::new(),
            lapsed: Vec::new(),
        };
    }
    let scopes = scopes::without_high_risk(catalogue, granted);
    let held: Vec<String> = granted
        .as_slice()
        .iter()
        .filter(|scope| !scopes.contains(scope))
        .cloned()
        .collect();
    let (pending, lapsed) = if limits.pending(now) {
        (held, Vec::new())
    } else {
        (Vec::new(), held)
    };
    InForce {
        scopes,
        pending,
        lapsed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(pending_until: Option<i64>, high_risk_until: Option<i64>) -> GrantState {
        GrantState {
            id: "gr_1".into(),
            user_id: "u".into(),
            client_id: "agent_1".into(),
            agent_name: "Claude".into(),
            scopes: Scopes::parse("quote trade.write"),
            expires_at: 100_000,
            revoked_at: None,
            resource: None,
            paused_at: None,
            high_risk_until,
            pending_until,
            home_network: None,
        }
    }

    fn scopes_at(grant: &GrantState, now: i64) -> String {
        let catalogue = crate::scopes::default_catalogue();
        standing(&catalogue, grant, None, now)
            .into_in_force()
            .map(|f| f.scopes.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn high_risk_scopes_wait_for_approval_and_drop_out_once_their_time_is_up() {
        assert_eq!(scopes_at(&grant(None, None), 10_000), "quote trade.write");
        assert_eq!(scopes_at(&grant(None, Some(100)), 99), "quote trade.write");
        assert_eq!(scopes_at(&grant(None, Some(100)), 100), "quote", "lapsed");
        assert_eq!(
            scopes_at(&grant(Some(100), None), 99),
            "quote",
            "waiting for approval"
        );
        let catalogue = crate::scopes::default_catalogue();
        let waiting = standing(&catalogue, &grant(Some(100), None), None, 99);
        assert!(waiting.may_act());
        assert!(
            matches!(&waiting, Standing::WaitingForApproval(f) if f.pending == ["trade.write"])
        );
        assert_eq!(
            standing(&catalogue, &grant(Some(100), None), None, 100),
            Standing::Over(Ended::NotApprovedInTime)
        );
    }

    #[test]
    fn paused_revoked_expired_and_moved_grants_do_not_act() {
        let catalogue = crate::scopes::default_catalogue();
        let mut paused = grant(None, None);
        paused.paused_at = Some(5);
        let at = standing(&catalogue, &paused, None, 10);
        assert!(matches!(at, Standing::Paused { since: 5, .. }) && !at.may_act());

        let mut revoked = paused.clone();
        revoked.revoked_at = Some(7);
        assert_eq!(
            standing(&catalogue, &revoked, None, 10),
            Standing::Over(Ended::Revoked { at: 7 })
        );
        assert_eq!(
            standing(&catalogue, &grant(None, None), None, 100_000),
            Standing::Over(Ended::Expired)
        );

        let mut guarded = grant(None, None);
        let home: IpAddr = [192, 0, 2, 10].into();
        guarded.home_network = Some(network::of(home));
        assert!(standing(&catalogue, &guarded, Some(home), 10).may_act());
        assert!(standing(&catalogue, &guarded, None, 10).may_act());
        let away: IpAddr = [198, 51, 100, 7].into();
        assert!(matches!(
            standing(&catalogue, &guarded, Some(away), 10),
            Standing::MovedNetwork(_)
        ));
        // A paused grant stays paused wherever it is used from: nothing to pause again.
        guarded.paused_at = Some(5);
        assert!(matches!(
            standing(&catalogue, &guarded, Some(away), 10),
            Standing::Paused { .. }
        ));
    }
}
