//! Per-address rate limits on the actions worth guessing at or flooding (OWASP ASVS 6.1.1):
//! sign-in, code generation, code redemption, client registration, device authorization
//! (RFC 8628 section 3.1) and user-code entry on /device (RFC 8628 section 5.1). Token buckets,
//! one per action, keyed by [`limiter_key`]; the actions that store a row for an
//! unauthenticated caller also share one bucket in total, so many addresses together cannot
//! fill the database either.
//!
//! On SQLite (one process) the buckets are `governor`'s, in memory. On PostgreSQL, where
//! several instances share the database, they are rows of `rate_limits`, taken in one
//! statement each, so ten attempts spread over two instances count as ten.

use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::server::app::telemetry;
use crate::server::db::{self, Pool};

/// The limited actions.
#[derive(Debug, Clone, Copy)]
pub enum Action {
    SignIn,
    IssueCode,
    RedeemCode,
    /// Dynamic client registration (RFC 7591); stores a client row.
    RegisterClient,
    /// Starting a device flow (RFC 8628 section 3.1); stores a device code row.
    AuthorizeDevice,
    /// Looking up, approving or denying a device flow user code (RFC 8628 section 5.1).
    EnterUserCode,
    /// A portal session for a visitor who is not signed in (it carries a form's error across
    /// the redirect); stores a session row.
    StartSession,
}

impl Action {
    /// The action's name in a shared bucket's key.
    fn name(self) -> &'static str {
        match self {
            Action::SignIn => "sign_in",
            Action::IssueCode => "issue_code",
            Action::RedeemCode => "redeem_code",
            Action::RegisterClient => "register_client",
            Action::AuthorizeDevice => "authorize_device",
            Action::EnterUserCode => "enter_user_code",
            Action::StartSession => "start_session",
        }
    }

    /// Whether the action stores something for a caller nobody has authenticated yet, and so
    /// also counts against the limit in total.
    fn stores_for_anyone(self) -> bool {
        matches!(
            self,
            Action::RegisterClient | Action::AuthorizeDevice | Action::StartSession
        )
    }
}

/// The key a client address is limited under: an IPv4 address as is, an IPv6 address by its
/// /64 network, since one subscriber usually holds a whole /64 (RFC 6177) and could otherwise
/// step to a fresh address for every attempt. IPv4-mapped IPv6 addresses count as IPv4.
pub fn limiter_key(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V4(_) => addr,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from_bits(v6.to_bits() & !0u128 >> 64 << 64)),
        },
    }
}

/// One bucket set per action; cheap to clone.
#[derive(Clone)]
pub struct RateLimits {
    sign_in: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    issue_code: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    redeem_code: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    register_client: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    authorize_device: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    enter_user_code: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    start_session: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    stored_for_anyone: Arc<DefaultDirectRateLimiter>,
    /// The database every instance shares, when the buckets live there.
    shared: Option<Shared>,
}

/// Buckets in the database: the same quotas, as GCRA intervals.
#[derive(Clone)]
struct Shared {
    db: Pool,
    per_address: Gcra,
    total: Gcra,
}

/// A quota of `n` a minute with bursts of `n`, in microseconds: one cell every `interval`,
/// up to `tolerance` ahead.
#[derive(Clone, Copy)]
struct Gcra {
    interval: i64,
    tolerance: i64,
}

impl Gcra {
    /// A burst of `n` fills the minute: the tolerance is the minute less one interval, and
    /// the interval never rounds down to nothing, however large `n`.
    fn per_minute(n: u32) -> Self {
        const MINUTE: i64 = 60_000_000;
        let interval = (MINUTE / i64::from(n.max(1))).max(1);
        Self {
            interval,
            tolerance: MINUTE - interval,
        }
    }
}

fn micros_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

impl RateLimits {
    /// `per_minute` attempts per address for each action, with bursts of the same size, and
    /// `total_per_minute` in total for the actions that store a row for anyone.
    pub fn new(per_minute: u32, total_per_minute: u32) -> Self {
        let quota = |n: u32| Quota::per_minute(NonZeroU32::new(n.max(1)).expect("at least 1"));
        let limiter = || Arc::new(RateLimiter::keyed(quota(per_minute)));
        Self {
            sign_in: limiter(),
            issue_code: limiter(),
            redeem_code: limiter(),
            register_client: limiter(),
            authorize_device: limiter(),
            enter_user_code: limiter(),
            start_session: limiter(),
            stored_for_anyone: Arc::new(RateLimiter::direct(quota(total_per_minute))),
            shared: None,
        }
    }

    /// The same quotas, kept in `db` for every instance sharing it.
    pub fn shared(per_minute: u32, total_per_minute: u32, db: Pool) -> Self {
        Self {
            shared: Some(Shared {
                db,
                per_address: Gcra::per_minute(per_minute),
                total: Gcra::per_minute(total_per_minute),
            }),
            ..Self::new(1, 1)
        }
    }

    fn limiter(&self, action: Action) -> &DefaultKeyedRateLimiter<IpAddr> {
        match action {
            Action::SignIn => &self.sign_in,
            Action::IssueCode => &self.issue_code,
            Action::RedeemCode => &self.redeem_code,
            Action::RegisterClient => &self.register_client,
            Action::AuthorizeDevice => &self.authorize_device,
            Action::EnterUserCode => &self.enter_user_code,
            Action::StartSession => &self.start_session,
        }
    }

    /// `Ok` if the attempt may go ahead, else the seconds to wait.
    pub async fn check(&self, action: Action, addr: IpAddr) -> Result<(), u64> {
        let checked = self.check_buckets(action, addr).await;
        if checked.is_err() {
            telemetry::rate_limited(action.name());
        }
        checked
    }

    async fn check_buckets(&self, action: Action, addr: IpAddr) -> Result<(), u64> {
        if let Some(shared) = &self.shared {
            return shared.check(action, addr).await;
        }
        let wait_secs = |not_until: governor::NotUntil<_>| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        };
        self.limiter(action)
            .check_key(&limiter_key(addr))
            .map_err(wait_secs)?;
        if action.stores_for_anyone() {
            self.stored_for_anyone.check().map_err(wait_secs)?;
        }
        Ok(())
    }

    /// Forgets buckets that are full again, bounding memory (or the table).
    pub async fn shrink(&self) {
        if let Some(shared) = &self.shared {
            if let Err(err) = db::rate_limits::delete_full(&shared.db, micros_now()).await {
                tracing::warn!(%err, "could not prune the shared rate limits");
            }
            return;
        }
        for action in ALL {
            let limiter = self.limiter(action);
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    /// How many buckets are remembered now, all actions together.
    pub async fn remembered(&self) -> usize {
        if let Some(shared) = &self.shared {
            let count = db::rate_limits::count(&shared.db).await.unwrap_or(0);
            return usize::try_from(count).unwrap_or(0);
        }
        ALL.iter().map(|&action| self.limiter(action).len()).sum()
    }
}

const ALL: [Action; 7] = [
    Action::SignIn,
    Action::IssueCode,
    Action::RedeemCode,
    Action::RegisterClient,
    Action::AuthorizeDevice,
    Action::EnterUserCode,
    Action::StartSession,
];

impl Shared {
    async fn check(&self, action: Action, addr: IpAddr) -> Result<(), u64> {
        let key = format!("{}:{}", action.name(), limiter_key(addr));
        self.take(&key, self.per_address).await?;
        if action.stores_for_anyone() {
            self.take("stored_for_anyone", self.total).await?;
        }
        Ok(())
    }

    /// Takes a cell, or says how many seconds until one is free. If the database cannot be
    /// asked, the attempt goes ahead: the action itself needs the database and answers 503.
    async fn take(&self, key: &str, quota: Gcra) -> Result<(), u64> {
        let taken =
            db::rate_limits::take(&self.db, key, micros_now(), quota.interval, quota.tolerance);
        match taken.await {
            Ok(None) => Ok(()),
            Ok(Some(wait)) => Err(u64::try_from(wait).unwrap_or(1).div_ceil(1_000_000)),
            Err(err) => {
                tracing::warn!(%err, "could not check a shared rate limit");
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn allows_the_quota_then_says_how_long_to_wait() {
        let limits = RateLimits::new(3, 1000);
        let addr: IpAddr = "192.0.2.7".parse().unwrap();
        for _ in 0..3 {
            assert!(limits.check(Action::SignIn, addr).await.is_ok());
        }
        let wait = limits.check(Action::SignIn, addr).await.unwrap_err();
        assert!((1..=20).contains(&wait), "{wait}");
        // Other actions and other addresses have their own buckets.
        assert!(limits.check(Action::RedeemCode, addr).await.is_ok());
        assert!(
            limits
                .check(Action::SignIn, "192.0.2.8".parse().unwrap())
                .await
                .is_ok()
        );
    }

    #[test]
    fn gcra_quotas_give_a_burst_of_n_for_any_n() {
        let ten = Gcra::per_minute(10);
        assert_eq!((ten.interval, ten.tolerance), (6_000_000, 54_000_000));
        let one = Gcra::per_minute(1);
        assert_eq!((one.interval, one.tolerance), (60_000_000, 0));
        let huge = Gcra::per_minute(1_000_000_000);
        assert_eq!(huge.interval, 1, "never zero");
        assert_eq!(huge.tolerance, 59_999_999);
    }

    #[tokio::test]
    async fn ipv6_is_limited_per_64() {
        let key = |s: &str| limiter_key(s.parse().unwrap());
        assert_eq!(
            key("2001:db8:1:2:aaaa::1"),
            key("2001:db8:1:2:ffff:ffff:ffff:ffff")
        );
        assert_eq!(
            key("2001:db8:1:2::7"),
            "2001:db8:1:2::".parse::<IpAddr>().unwrap()
        );
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("::ffff:192.0.2.7"), key("192.0.2.7"));
        assert_eq!(key("192.0.2.7"), "192.0.2.7".parse::<IpAddr>().unwrap());

        let limits = RateLimits::new(2, 1000);
        for host in 1..=2 {
            let addr = format!("2001:db8:1:2::{host}").parse().unwrap();
            assert!(limits.check(Action::RedeemCode, addr).await.is_ok());
        }
        let next_host = "2001:db8:1:2::99".parse().unwrap();
        assert!(limits.check(Action::RedeemCode, next_host).await.is_err());
    }

    #[tokio::test]
    async fn storing_actions_share_a_total_across_addresses() {
        let limits = RateLimits::new(100, 3);
        for n in 1..=3 {
            let addr = format!("192.0.2.{n}").parse().unwrap();
            assert!(limits.check(Action::AuthorizeDevice, addr).await.is_ok());
        }
        let fresh = "198.51.100.1".parse().unwrap();
        assert!(limits.check(Action::RegisterClient, fresh).await.is_err());
        // Sign-in is not capped in total: a flood from elsewhere must not lock people out.
        assert!(limits.check(Action::SignIn, fresh).await.is_ok());
    }

    #[tokio::test]
    async fn shrinking_forgets_full_buckets() {
        let limits = RateLimits::new(1000, 1000);
        for n in 0..50u8 {
            let addr = IpAddr::from([192, 0, 2, n]);
            limits.check(Action::SignIn, addr).await.unwrap();
        }
        assert_eq!(limits.remembered().await, 50);
        // governor forgets a key once its state is that of a fresh bucket: with 1000 a
        // minute, 60 ms after the refill of the one cell used, so within 120 ms.
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        limits.shrink().await;
        assert_eq!(limits.remembered().await, 0);
    }
}
