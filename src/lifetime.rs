//! How long a grant lasts, and how long its high-risk permissions stay active, as the person
//! chooses them on /connect. Compiled for the server and the browser: the form offers exactly
//! what the server accepts.

use crate::language::{Locale, td_string};

const HOUR: i64 = 3_600;
const DAY: i64 = 24 * HOUR;

/// How long a grant lasts from its redemption. No refresh carries it past that.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lifetime {
    Hour,
    Day,
    #[default]
    Month,
    /// Until the person revokes it, kept alive by refreshes.
    UntilRevoked,
}

impl Lifetime {
    pub const ALL: [Lifetime; 4] = [
        Lifetime::Hour,
        Lifetime::Day,
        Lifetime::Month,
        Lifetime::UntilRevoked,
    ];

    /// Seconds it lasts; `None` until revoked.
    pub fn seconds(self) -> Option<i64> {
        match self {
            Lifetime::Hour => Some(HOUR),
            Lifetime::Day => Some(DAY),
            Lifetime::Month => Some(30 * DAY),
            Lifetime::UntilRevoked => None,
        }
    }

    /// The form's value for it.
    pub fn value(self) -> &'static str {
        match self {
            Lifetime::Hour => "1h",
            Lifetime::Day => "1d",
            Lifetime::Month => "30d",
            Lifetime::UntilRevoked => "revoked",
        }
    }

    /// The choice as the form words it.
    pub fn label(self, locale: Locale) -> &'static str {
        match self {
            Lifetime::Hour => td_string!(locale, connect.lasts_hour),
            Lifetime::Day => td_string!(locale, connect.lasts_day),
            Lifetime::Month => td_string!(locale, connect.lasts_month),
            Lifetime::UntilRevoked => td_string!(locale, connect.lasts_until_revoked),
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.value() == value)
    }

    /// The choice that gives `seconds`, as stored.
    pub fn of_seconds(seconds: Option<i64>) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.seconds() == seconds)
    }
}

/// How long high-risk permissions stay active before the grant falls back to the others,
/// unless the person renews them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HighRiskLifetime {
    #[default]
    Hour,
    Day,
    /// As long as the grant itself.
    WithGrant,
}

impl HighRiskLifetime {
    pub const ALL: [HighRiskLifetime; 3] = [
        HighRiskLifetime::Hour,
        HighRiskLifetime::Day,
        HighRiskLifetime::WithGrant,
    ];

    /// Seconds they stay active; `None` as long as the grant.
    pub fn seconds(self) -> Option<i64> {
        match self {
            HighRiskLifetime::Hour => Some(HOUR),
            HighRiskLifetime::Day => Some(DAY),
            HighRiskLifetime::WithGrant => None,
        }
    }

    pub fn value(self) -> &'static str {
        match self {
            HighRiskLifetime::Hour => "1h",
            HighRiskLifetime::Day => "1d",
            HighRiskLifetime::WithGrant => "grant",
        }
    }

    /// The choice as the form words it.
    pub fn label(self, locale: Locale) -> &'static str {
        match self {
            HighRiskLifetime::Hour => td_string!(locale, connect.lasts_hour),
            HighRiskLifetime::Day => td_string!(locale, connect.lasts_day),
            HighRiskLifetime::WithGrant => td_string!(locale, connect.lasts_with_grant),
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.value() == value)
    }

    pub fn of_seconds(seconds: Option<i64>) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.seconds() == seconds)
    }
}

/// Both choices, as a code carries them to its grant: seconds, `None` for no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Lifetimes {
    pub grant: Option<i64>,
    pub high_risk: Option<i64>,
}

impl Lifetimes {
    /// No limits: a grant made by a standard OAuth flow, kept alive by refreshes.
    pub const UNLIMITED: Lifetimes = Lifetimes {
        grant: None,
        high_risk: None,
    };

    pub fn chosen(grant: Lifetime, high_risk: HighRiskLifetime) -> Self {
        Self {
            grant: grant.seconds(),
            high_risk: high_risk.seconds(),
        }
    }
}

/// What holds a grant's high-risk scopes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HighRiskLimits {
    /// Until when they wait for the person's approval.
    pub pending_until: Option<i64>,
    /// Until when they are active.
    pub high_risk_until: Option<i64>,
}

impl HighRiskLimits {
    /// They wait for the person's approval.
    pub fn pending(self, now: i64) -> bool {
        self.pending_until.is_some_and(|until| until > now)
    }

    /// Nobody approved them in time: the whole grant is over (and revoked by housekeeping).
    pub fn unapproved(self, now: i64) -> bool {
        self.pending_until.is_some_and(|until| until <= now)
    }

    /// Their time is up, until the person renews them.
    pub fn lapsed(self, now: i64) -> bool {
        self.high_risk_until.is_some_and(|until| until <= now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_choice_reads_back_from_its_value_and_its_seconds() {
        for lifetime in Lifetime::ALL {
            assert_eq!(Lifetime::parse(lifetime.value()), Some(lifetime));
            assert_eq!(Lifetime::of_seconds(lifetime.seconds()), Some(lifetime));
        }
        for lifetime in HighRiskLifetime::ALL {
            assert_eq!(HighRiskLifetime::parse(lifetime.value()), Some(lifetime));
            assert_eq!(
                HighRiskLifetime::of_seconds(lifetime.seconds()),
                Some(lifetime)
            );
        }
        assert_eq!(Lifetime::parse("7d"), None);
        assert_eq!(Lifetime::default().seconds(), Some(30 * 24 * 3_600));
        assert_eq!(HighRiskLifetime::default().seconds(), Some(3_600));
    }
}
