//! The lifecycle of a grant, one person's authorization of one agent, and the only code that
//! changes one. A grant is created with its first tokens when a code is redeemed (whatever the
//! grant type), renewed on refresh, touched when used, and revoked by the person, by the agent
//! itself (RFC 7009) or when a single-use secret comes back (RFC 9700 section 4.14.2, RFC 6749
//! section 4.1.2). Every change and its entry in the person's security log commit together.

pub mod standing;

use std::net::IpAddr;

use crate::lifetime::Lifetimes;
use crate::scopes::Scopes;
use crate::server::db::activity::{self, Activity, ActivityKind};
use crate::server::db::grants::{self, Grant, GrantedVia};
use crate::server::db::ids::{ClientId, GrantId, UserId};
use crate::server::db::tokens::{self, NewToken, TokenKind};
use crate::server::db::{Conn, Pool};
use crate::server::domain::Actor;
use crate::server::domain::secrets::{
    ACCESS_PREFIX, ACCESS_TTL, REFRESH_PREFIX, REFRESH_TTL, hash, new_ordered_id, new_secret,
};
use crate::server::domain::security_log::{self, EventDetail, RevokedBy};
use crate::server::domain::token_cache::LiveTokens;
pub use standing::{Ended, InForce, Standing, standing};

/// What a new grant is for; the rest (id, times) the lifecycle fills in.
#[derive(Debug, Clone)]
pub struct NewGrant {
    pub user_id: UserId,
    pub client_id: ClientId,
    pub agent_name: String,
    pub scopes: Scopes,
    pub via: GrantedVia,
    /// The resource (RFC 8707) its tokens are for; `None` for any.
    pub resource: Option<String>,
    /// How long it lasts, and its high-risk scopes, as the person chose.
    pub lifetimes: Lifetimes,
    /// Seconds its high-risk scopes may wait for the person's approval; `None` when they need
    /// none.
    pub confirm_within: Option<i64>,
    /// The software that redeemed it, as it named itself.
    pub client_software: Option<String>,
    /// The network it may be used from without being paused; `None`: any.
    pub home_network: Option<String>,
}

/// A freshly minted token pair. `Debug` shows no secret.
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    /// Seconds the access token lives.
    pub expires_in: i64,
    access_expires_at: i64,
    refresh_expires_at: i64,
}

impl std::fmt::Debug for TokenPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenPair")
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

/// Why a grant ends; this decides who may end it and what the security log says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocation<'a> {
    /// The person revoked it on the security page; only their own grants.
    ByPerson { user_id: &'a UserId },
    /// The agent gave it up by revoking its refresh token (RFC 7009).
    ByAgent,
    /// A rotated refresh token was presented again after the grace period.
    RefreshReplay,
    /// An authorization code was presented a second time.
    CodeReplay,
    /// The person denied the agent that redeemed their code; only their own grants.
    Denied { user_id: &'a UserId },
}

impl Revocation<'_> {
    fn detail(self, agent_name: &str) -> EventDetail {
        let by = match self {
            Revocation::ByPerson { .. } => RevokedBy::Person,
            Revocation::ByAgent => RevokedBy::Agent,
            Revocation::RefreshReplay => RevokedBy::RefreshReplay,
            Revocation::CodeReplay => RevokedBy::CodeReplay,
            Revocation::Denied { .. } => RevokedBy::Denied,
        };
        EventDetail::Revoked {
            agent: agent_name.to_owned(),
            by,
        }
    }
}

/// The id of a grant about to be created, drawn first so that consuming a single-use code
/// can record which grant it became.
pub fn new_grant_id() -> GrantId {
    new_ordered_id("gr_").into()
}

/// Creates grant `id` inside the caller's transaction (the one that consumed the code) and
/// mints its first tokens. Redeeming an agent auth code or an authorization code is logged
/// for the person; a device grant is not, since approving it on /device already was.
pub async fn create(
    tx: &mut Conn,
    id: GrantId,
    new: NewGrant,
    addr: Option<IpAddr>,
    now: i64,
) -> Result<(Grant, TokenPair), sqlx::Error> {
    let mut created = create_many(tx, vec![(id, new, addr)], now).await?;
    Ok(created.pop().expect("one grant asked, one created"))
}

/// [`create`] for several grants, in three statements whatever their number: the grants,
/// their tokens, their log entries. Returned in the order given.
pub async fn create_many(
    tx: &mut Conn,
    new: Vec<(GrantId, NewGrant, Option<IpAddr>)>,
    now: i64,
) -> Result<Vec<(Grant, TokenPair)>, sqlx::Error> {
    let mut created = Vec::with_capacity(new.len());
    let mut addrs = Vec::with_capacity(new.len());
    for (id, new, addr) in new {
        let ends_at = new.lifetimes.grant.map(|seconds| now + seconds);
        let tokens = TokenPair::new(now, ends_at);
        let grant = Grant {
            id,
            user_id: new.user_id,
            client_id: new.client_id,
            agent_name: new.agent_name,
            scopes: new.scopes,
            granted_via: new.via,
            created_at: now,
            last_used_at: None,
            expires_at: tokens.refresh_expires_at,
            revoked_at: None,
            resource: new.resource,
            paused_at: None,
            last_used_ip: None,
            ends_at,
            high_risk_lifetime: new.lifetimes.high_risk,
            high_risk_until: new.lifetimes.high_risk.map(|seconds| now + seconds),
            pending_until: new.confirm_within.map(|seconds| now + seconds),
            client_software: new.client_software,
            redeemed_ip: addr.map(|a| a.to_string()),
            home_network: new.home_network,
        };
        created.push((grant, tokens));
        addrs.push(addr);
    }
    let grant_rows: Vec<Grant> = created.iter().map(|(grant, _)| grant.clone()).collect();
    grants::insert_many(&mut *tx, &grant_rows).await?;
    let token_rows: Vec<NewToken> = created
        .iter()
        .flat_map(|(grant, tokens)| tokens.rows(&grant.id, now))
        .collect();
    tokens::insert_many(&mut *tx, &token_rows).await?;
    let entries: Vec<(Actor, EventDetail)> = created
        .iter()
        .zip(&addrs)
        .filter(|((grant, _), _)| grant.granted_via != GrantedVia::DeviceCode)
        .map(|((grant, _), addr)| {
            let by = Actor {
                user_id: &grant.user_id,
                addr: *addr,
                at: now,
            };
            let detail = EventDetail::Granted {
                agent: grant.agent_name.clone(),
                scopes: grant.scopes.to_string(),
            };
            (by, detail)
        })
        .collect();
    security_log::record_many(&mut *tx, &entries).await?;
    for (grant, _) in &created {
        tracing::info!(grant = %grant.id, user = %grant.user_id, client = %grant.client_id, via = ?grant.granted_via, "grant created");
    }
    Ok(created)
}

/// Mints a fresh pair for a grant whose refresh token the caller's transaction just rotated,
/// and moves the grant's expiry to a full refresh lifetime from now, never past its end.
pub async fn renew(tx: &mut Conn, grant: &Grant, now: i64) -> Result<TokenPair, sqlx::Error> {
    let tokens = TokenPair::new(now, grant.ends_at);
    tokens::insert_many(&mut *tx, &tokens.rows(&grant.id, now)).await?;
    grants::extend(&mut *tx, &grant.id, tokens.refresh_expires_at, now).await?;
    Ok(tokens)
}

/// Ends a grant: its tokens fail on the very next request. Returns the grant if it was live
/// (and, for [`Revocation::ByPerson`], theirs); a grant already ended is left as it is.
pub async fn revoke(
    db: &Pool,
    live: &LiveTokens,
    grant_id: &GrantId,
    why: Revocation<'_>,
    addr: Option<IpAddr>,
    now: i64,
) -> Result<Option<Grant>, sqlx::Error> {
    let revoked = revoke_in_database(db, grant_id, why, addr, now).await;
    live.revoked();
    revoked
}

async fn revoke_in_database(
    db: &Pool,
    grant_id: &GrantId,
    why: Revocation<'_>,
    addr: Option<IpAddr>,
    now: i64,
) -> Result<Option<Grant>, sqlx::Error> {
    let mut tx = db.begin().await?;
    let revoked = match why {
        Revocation::ByPerson { user_id } | Revocation::Denied { user_id } => {
            grants::revoke(&mut *tx, grant_id, user_id, now).await?
        }
        _ => grants::revoke_by_id(&mut *tx, grant_id, now).await?,
    };
    if let Some(grant) = &revoked {
        let by = Actor {
            user_id: &grant.user_id,
            addr,
            at: now,
        };
        security_log::record(&mut *tx, by, &why.detail(&grant.agent_name)).await?;
        tracing::info!(grant = %grant.id, user = %grant.user_id, why = ?why, "grant revoked");
    }
    tx.commit().await?;
    Ok(revoked)
}

/// Revokes one access token of a grant at the agent's request (RFC 7009 section 2.1), with an
/// entry in its person's log: the token fails on the very next request, the grant and its
/// refresh token live on.
pub async fn revoke_access_token(
    db: &Pool,
    live: &LiveTokens,
    token_hash: &str,
    addr: Option<IpAddr>,
    now: i64,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    let revoked = tokens::revoke(&mut *tx, token_hash, now).await?;
    if let Some(grant_id) = revoked
        && let Some(grant) = grants::find(&mut *tx, &grant_id).await?
    {
        let by = Actor {
            user_id: &grant.user_id,
            addr,
            at: now,
        };
        let detail = EventDetail::AccessTokenRevoked {
            agent: grant.agent_name.clone(),
        };
        security_log::record(&mut *tx, by, &detail).await?;
        tracing::info!(grant = %grant.id, "access token revoked by its agent");
    }
    tx.commit().await?;
    live.revoked();
    Ok(())
}

/// Approves the high-risk scopes of a grant that waits for the person `by` names: they work
/// from the very next request. Returns the grant if it was theirs and waiting.
pub async fn approve(
    db: &Pool,
    live: &LiveTokens,
    grant_id: &GrantId,
    by: Actor<'_>,
) -> Result<Option<Grant>, sqlx::Error> {
    let mut tx = db.begin().await?;
    let Some(grant) = grants::approve(&mut *tx, grant_id, by.user_id, by.at).await? else {
        return Ok(None);
    };
    let detail = EventDetail::Approved {
        agent: grant.agent_name.clone(),
        scopes: grant.scopes.to_string(),
    };
    security_log::record(&mut *tx, by, &detail).await?;
    tx.commit().await?;
    live.revoked();
    tracing::info!(grant = %grant.id, user = %by.user_id, "high-risk scopes approved");
    Ok(Some(grant))
}

/// Pauses a guarded grant used from `addr`, outside its home network, with an entry in its
/// person's log and activity: a theft signal. Returns whether it was paused now.
pub async fn pause_on_new_network(
    db: &Pool,
    live: &LiveTokens,
    grant_id: &GrantId,
    addr: IpAddr,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let network = crate::server::domain::network::of(addr);
    let mut tx = db.begin().await?;
    let Some(grant) = grants::pause_on_new_network(&mut *tx, grant_id, &network, now).await? else {
        return Ok(false);
    };
    let detail = EventDetail::PausedOnNewNetwork {
        agent: grant.agent_name.clone(),
        address: addr.to_string(),
    };
    let by = Actor {
        user_id: &grant.user_id,
        addr: Some(addr),
        at: now,
    };
    security_log::record(&mut *tx, by, &detail).await?;
    let row = Activity {
        grant_id: grant.id.to_string(),
        kind: ActivityKind::PausedOnNewNetwork,
        name: addr.to_string(),
        minute: now.div_euclid(60),
        calls: 1,
        client_ip: Some(addr.to_string()),
        first_at: now,
        last_at: now,
    };
    activity::add_many(&mut tx, &[row]).await?;
    tx.commit().await?;
    live.revoked();
    tracing::warn!(grant = %grant.id, %addr, "grant used from a new network: paused");
    Ok(true)
}

/// Revokes the grants whose high-risk scopes nobody approved in time, each with an entry in
/// its person's log. Returns how many.
pub async fn revoke_unapproved(
    db: &Pool,
    live: &LiveTokens,
    now: i64,
) -> Result<usize, sqlx::Error> {
    let mut tx = db.begin().await?;
    let revoked = grants::revoke_unapproved(&mut *tx, now).await?;
    let entries: Vec<(Actor, EventDetail)> = revoked
        .iter()
        .map(|grant| {
            let by = Actor {
                user_id: &grant.user_id,
                addr: None,
                at: now,
            };
            let detail = EventDetail::NotApprovedInTime {
                agent: grant.agent_name.clone(),
            };
            (by, detail)
        })
        .collect();
    security_log::record_many(&mut tx, &entries).await?;
    tx.commit().await?;
    if !revoked.is_empty() {
        live.revoked();
        tracing::info!(count = revoked.len(), "unapproved grants revoked");
    }
    Ok(revoked.len())
}

/// Ends every live grant of the person `by` names, with one entry in their log naming the
/// agents.
pub async fn revoke_all(
    db: &Pool,
    live: &LiveTokens,
    by: Actor<'_>,
) -> Result<Vec<Grant>, sqlx::Error> {
    let revoked = revoke_all_in_database(db, by).await;
    live.revoked();
    revoked
}

async fn revoke_all_in_database(db: &Pool, by: Actor<'_>) -> Result<Vec<Grant>, sqlx::Error> {
    let mut tx = db.begin().await?;
    let revoked = grants::revoke_all(&mut *tx, by.user_id, by.at).await?;
    if !revoked.is_empty() {
        let detail = EventDetail::AllRevoked {
            agents: revoked.iter().map(|g| g.agent_name.clone()).collect(),
        };
        security_log::record(&mut *tx, by, &detail).await?;
        tracing::info!(count = revoked.len(), user = %by.user_id, "all grants revoked");
    }
    tx.commit().await?;
    Ok(revoked)
}

/// What the person changes about one of their live grants on its page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Its tokens are refused until it resumes; its refresh token is kept.
    Pause,
    Resume,
    /// A new agent name, already cleaned.
    Rename(String),
    /// Its high-risk scopes active for another of the lifetimes chosen at issuance.
    RenewHighRisk,
}

impl Change {
    fn activity(&self) -> (ActivityKind, &str) {
        match self {
            Change::Pause => (ActivityKind::Paused, ""),
            Change::Resume => (ActivityKind::Resumed, ""),
            Change::Rename(name) => (ActivityKind::Renamed, name),
            Change::RenewHighRisk => (ActivityKind::HighRiskRenewed, ""),
        }
    }

    /// The log's entry, given the agent's name before the change.
    fn detail(&self, agent_name: &str) -> EventDetail {
        let agent = agent_name.to_owned();
        match self {
            Change::Pause => EventDetail::Paused { agent },
            Change::Resume => EventDetail::Resumed { agent },
            Change::Rename(name) => EventDetail::Renamed {
                agent,
                to: name.clone(),
            },
            Change::RenewHighRisk => EventDetail::HighRiskRenewed { agent },
        }
    }
}

/// Applies the change of the person `by` names to one of their live grants, with its entries
/// in the security log and the grant's activity, and makes it visible on the very next
/// request. Returns the grant as it was before, or `None` when it was not theirs, not live, or
/// already so.
pub async fn change(
    db: &Pool,
    live: &LiveTokens,
    grant_id: &GrantId,
    change: Change,
    by: Actor<'_>,
) -> Result<Option<Grant>, sqlx::Error> {
    let (user_id, now) = (by.user_id, by.at);
    let mut tx = db.begin().await?;
    let Some(before) = grants::find_for_user(&mut *tx, grant_id, user_id).await? else {
        return Ok(None);
    };
    let changed = match &change {
        Change::Pause => grants::set_paused(&mut *tx, grant_id, user_id, true, now).await?,
        Change::Resume => grants::set_paused(&mut *tx, grant_id, user_id, false, now).await?,
        Change::Rename(name) => grants::rename(&mut *tx, grant_id, user_id, name, now).await?,
        Change::RenewHighRisk => grants::renew_high_risk(&mut *tx, grant_id, user_id, now).await?,
    };
    if changed.is_none() {
        return Ok(None);
    }
    security_log::record(&mut *tx, by, &change.detail(&before.agent_name)).await?;
    let (kind, name) = change.activity();
    let row = Activity {
        grant_id: grant_id.to_string(),
        kind,
        name: name.to_owned(),
        minute: now.div_euclid(60),
        calls: 1,
        client_ip: by.addr.map(|a| a.to_string()),
        first_at: now,
        last_at: now,
    };
    activity::add_many(&mut tx, &[row]).await?;
    tx.commit().await?;
    // Remembered tokens carry the grant's name and state: they are read afresh.
    live.revoked();
    tracing::info!(grant = %grant_id, user = %user_id, change = ?change, "grant changed");
    Ok(Some(before))
}

impl TokenPair {
    /// A fresh pair of secrets, living their usual lifetimes from `now` but never past
    /// `ends_at`, the grant's end.
    fn new(now: i64, ends_at: Option<i64>) -> Self {
        let cap = |at: i64| ends_at.map_or(at, |end| at.min(end));
        let access_expires_at = cap(now + ACCESS_TTL);
        Self {
            access_token: new_secret(ACCESS_PREFIX),
            refresh_token: new_secret(REFRESH_PREFIX),
            expires_in: access_expires_at - now,
            access_expires_at,
            refresh_expires_at: cap(now + REFRESH_TTL),
        }
    }

    /// The rows that store the pair for `grant_id`: hashes only.
    fn rows<'a>(&self, grant_id: &'a str, now: i64) -> [NewToken<'a>; 2] {
        [
            NewToken {
                token_hash: hash(&self.access_token),
                grant_id,
                kind: TokenKind::Access,
                created_at: now,
                expires_at: self.access_expires_at,
            },
            NewToken {
                token_hash: hash(&self.refresh_token),
                grant_id,
                kind: TokenKind::Refresh,
                created_at: now,
                expires_at: self.refresh_expires_at,
            },
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::db::events::EventKind;

    #[test]
    fn tokens_never_outlive_their_grant() {
        let open = TokenPair::new(1_000, None);
        assert_eq!(open.expires_in, ACCESS_TTL);
        assert_eq!(open.refresh_expires_at, 1_000 + REFRESH_TTL);
        let ending = TokenPair::new(1_000, Some(1_600));
        assert_eq!(ending.expires_in, 600);
        assert_eq!(
            (ending.access_expires_at, ending.refresh_expires_at),
            (1_600, 1_600)
        );
    }

    #[test]
    fn each_revocation_reads_as_what_happened() {
        let user = UserId::from("u");
        let person = Revocation::ByPerson { user_id: &user };
        let kind = |why: Revocation| why.detail("Claude").kind();
        assert_eq!(kind(person), EventKind::GrantRevoked);
        let words = |detail: EventDetail| detail.words(crate::language::Locale::en);
        assert_eq!(
            words(person.detail("Claude")),
            "Claude can no longer act for you"
        );
        assert_eq!(kind(Revocation::ByAgent), EventKind::TokenRevoked);
        assert_eq!(kind(Revocation::RefreshReplay), EventKind::RefreshReuse);
        assert_eq!(kind(Revocation::CodeReplay), EventKind::GrantRevoked);
        assert_eq!(
            kind(Revocation::Denied { user_id: &user }),
            EventKind::AgentDenied
        );
        assert!(words(Revocation::CodeReplay.detail("App")).contains("used twice"));
    }
}
