//! Per-address rate limits on the actions worth guessing at (OWASP ASVS 6.1.1): sign-in, code
//! generation, code redemption and user-code entry on /device. Token buckets from `governor`, one per action.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// The limited actions.
#[derive(Debug, Clone, Copy)]
pub enum Action {
    SignIn,
    IssueCode,
    RedeemCode,
    RegisterClient,
    /// Looking up, approving or denying a device flow user code (RFC 8628 section 5.1).
    EnterUserCode,
}

/// One bucket set per action; cheap to clone.
#[derive(Clone)]
pub struct RateLimits {
    sign_in: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    issue_code: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    redeem_code: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    register_client: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    enter_user_code: Arc<DefaultKeyedRateLimiter<IpAddr>>,
}

impl RateLimits {
    /// `per_minute` attempts per address for each action, with bursts of the same size.
    pub fn new(per_minute: u32) -> Self {
        let quota = Quota::per_minute(NonZeroU32::new(per_minute.max(1)).expect("at least 1"));
        let limiter = || Arc::new(RateLimiter::keyed(quota));
        Self {
            sign_in: limiter(),
            issue_code: limiter(),
            redeem_code: limiter(),
            register_client: limiter(),
            enter_user_code: limiter(),
        }
    }

    /// `Ok` if the attempt may go ahead, else the seconds to wait.
    pub fn check(&self, action: Action, addr: IpAddr) -> Result<(), u64> {
        let limiter = match action {
            Action::SignIn => &self.sign_in,
            Action::IssueCode => &self.issue_code,
            Action::RedeemCode => &self.redeem_code,
            Action::RegisterClient => &self.register_client,
            Action::EnterUserCode => &self.enter_user_code,
        };
        limiter.check_key(&addr).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }

    /// Forgets addresses whose buckets are full again, bounding memory.
    pub fn shrink(&self) {
        for limiter in [
            &self.sign_in,
            &self.issue_code,
            &self.redeem_code,
            &self.register_client,
            &self.enter_user_code,
        ] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_the_quota_then_says_how_long_to_wait() {
        let limits = RateLimits::new(3);
        let addr: IpAddr = "192.0.2.7".parse().unwrap();
        for _ in 0..3 {
            assert!(limits.check(Action::SignIn, addr).is_ok());
        }
        let wait = limits.check(Action::SignIn, addr).unwrap_err();
        assert!((1..=20).contains(&wait), "{wait}");
        // Other actions and other addresses have their own buckets.
        assert!(limits.check(Action::RedeemCode, addr).is_ok());
        assert!(
            limits
                .check(Action::SignIn, "192.0.2.8".parse().unwrap())
                .is_ok()
        );
    }
}
