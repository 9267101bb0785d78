//! The person's security log: every entry is recorded here, from one [`EventDetail`] whose
//! [`EventKind`] follows from it. It is stored as facts (JSON in `security_events.detail`) and
//! put into words when a page shows it, in the reader's language; the names, scopes and
//! addresses in it are shown as they are. A row written before this format is shown as stored.

use serde::{Deserialize, Serialize};
use sqlx::Executor;

use super::Actor;
use crate::language::{Locale, td_display, td_string};
use crate::server::db::events::{self, EventKind, NewEvent};
use crate::server::db::{Conn, Db};

/// Records one entry in the log of the account `by` names, from where and when it says.
pub async fn record<'e>(
    db: impl Executor<'e, Database = Db>,
    by: Actor<'_>,
    detail: &EventDetail,
) -> Result<(), sqlx::Error> {
    let addr = by.addr.map(|a| a.to_string());
    let stored = detail.stored();
    events::record(
        db,
        by.user_id,
        detail.kind(),
        &stored,
        addr.as_deref(),
        by.at,
    )
    .await
}

/// Records several entries in one statement, each in the log its actor names.
pub async fn record_many(
    conn: &mut Conn,
    entries: &[(Actor<'_>, EventDetail)],
) -> Result<(), sqlx::Error> {
    let rows: Vec<NewEvent> = entries
        .iter()
        .map(|(by, detail)| NewEvent {
            user_id: by.user_id,
            kind: detail.kind(),
            detail: detail.stored(),
            client_ip: by.addr.map(|a| a.to_string()),
            created_at: by.at,
        })
        .collect();
    events::record_many(conn, &rows).await
}

/// The facts of one security event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum EventDetail {
    AccountCreated,
    SignedIn,
    CodeIssued {
        agent: Option<String>,
        scopes: String,
    },
    Granted {
        agent: String,
        scopes: String,
    },
    Approved {
        agent: String,
        scopes: String,
    },
    Revoked {
        agent: String,
        by: RevokedBy,
    },
    /// The agent revoked one of its access tokens (RFC 7009); the grant lives on.
    AccessTokenRevoked {
        agent: String,
    },
    NotApprovedInTime {
        agent: String,
    },
    AllRevoked {
        agents: Vec<String>,
    },
    Paused {
        agent: String,
    },
    Resumed {
        agent: String,
    },
    Renamed {
        agent: String,
        to: String,
    },
    HighRiskRenewed {
        agent: String,
    },
    PausedOnNewNetwork {
        agent: String,
        address: String,
    },
    ApplicationApproved {
        client: String,
        scopes: String,
    },
    ApplicationDenied {
        client: String,
    },
    DeviceApproved {
        client: String,
        scopes: String,
    },
    DeviceDenied {
        client: String,
        scopes: String,
    },
}

/// Why a grant's access ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevokedBy {
    /// The person, on the security or agent page.
    Person,
    /// The agent itself (RFC 7009 revocation).
    Agent,
    /// A used refresh token was presented again.
    RefreshReplay,
    /// An authorization code was used twice.
    CodeReplay,
    /// The person denied the agent that redeemed their code.
    Denied,
}

impl EventDetail {
    /// The kind of entry this detail makes: its title on the security page.
    pub fn kind(&self) -> EventKind {
        match self {
            Self::AccountCreated => EventKind::SignedUp,
            Self::SignedIn => EventKind::SignedIn,
            Self::CodeIssued { .. } => EventKind::CodeIssued,
            Self::Granted { .. } => EventKind::CodeRedeemed,
            Self::Approved { .. } => EventKind::AgentApproved,
            Self::Revoked { by, .. } => match by {
                RevokedBy::Person | RevokedBy::CodeReplay => EventKind::GrantRevoked,
                RevokedBy::Agent => EventKind::TokenRevoked,
                RevokedBy::RefreshReplay => EventKind::RefreshReuse,
                RevokedBy::Denied => EventKind::AgentDenied,
            },
            Self::AccessTokenRevoked { .. } => EventKind::TokenRevoked,
            Self::NotApprovedInTime { .. } | Self::AllRevoked { .. } => EventKind::GrantRevoked,
            Self::Paused { .. } => EventKind::GrantPaused,
            Self::Resumed { .. } => EventKind::GrantResumed,
            Self::Renamed { .. } => EventKind::GrantRenamed,
            Self::HighRiskRenewed { .. } => EventKind::HighRiskRenewed,
            Self::PausedOnNewNetwork { .. } => EventKind::PausedOnNewNetwork,
            Self::ApplicationApproved { .. } => EventKind::AuthorizationApproved,
            Self::ApplicationDenied { .. } => EventKind::AuthorizationDenied,
            Self::DeviceApproved { .. } => EventKind::DeviceApproved,
            Self::DeviceDenied { .. } => EventKind::DeviceDenied,
        }
    }

    /// The form `security_events.detail` stores.
    pub fn stored(&self) -> String {
        serde_json::to_string(self).expect("an event detail serializes")
    }

    /// A stored detail in words, in `locale`; a row of the older, worded kind as it is.
    pub fn describe(stored: &str, locale: Locale) -> String {
        serde_json::from_str::<EventDetail>(stored)
            .map(|detail| detail.words(locale))
            .unwrap_or_else(|_| stored.to_owned())
    }

    /// The sentence a person reads.
    pub fn words(&self, locale: Locale) -> String {
        match self {
            Self::AccountCreated => td_string!(locale, security.detail_account_created).into(),
            Self::SignedIn => td_string!(locale, security.detail_signed_in).into(),
            Self::CodeIssued {
                agent: Some(agent),
                scopes,
            } => td_display!(locale, security.detail_code_issued, agent, scopes).to_string(),
            Self::CodeIssued {
                agent: None,
                scopes,
            } => td_display!(locale, security.detail_code_issued_any, scopes).to_string(),
            Self::Granted { agent, scopes } => {
                td_display!(locale, security.detail_granted, agent, scopes).to_string()
            }
            Self::Approved { agent, scopes } => {
                td_display!(locale, security.detail_approved, agent, scopes).to_string()
            }
            Self::Revoked { agent, by } => match by {
                RevokedBy::Person => {
                    td_display!(locale, security.detail_revoked_by_person, agent).to_string()
                }
                RevokedBy::Agent => {
                    td_display!(locale, security.detail_revoked_by_agent, agent).to_string()
                }
                RevokedBy::RefreshReplay => {
                    td_display!(locale, security.detail_refresh_replay, agent).to_string()
                }
                RevokedBy::CodeReplay => {
                    td_display!(locale, security.detail_code_replay, agent).to_string()
                }
                RevokedBy::Denied => td_display!(locale, security.detail_denied, agent).to_string(),
            },
            Self::AccessTokenRevoked { agent } => {
                td_display!(locale, security.detail_access_token_revoked, agent).to_string()
            }
            Self::NotApprovedInTime { agent } => {
                td_display!(locale, security.detail_not_approved, agent).to_string()
            }
            Self::AllRevoked { agents } => {
                let agents = agents.join(", ");
                td_display!(locale, security.detail_all_revoked, agents).to_string()
            }
            Self::Paused { agent } => {
                td_display!(locale, security.detail_paused, agent).to_string()
            }
            Self::Resumed { agent } => {
                td_display!(locale, security.detail_resumed, agent).to_string()
            }
            Self::Renamed { agent, to } => {
                td_display!(locale, security.detail_renamed, agent, to).to_string()
            }
            Self::HighRiskRenewed { agent } => {
                td_display!(locale, security.detail_high_risk_renewed, agent).to_string()
            }
            Self::PausedOnNewNetwork { agent, address } => {
                td_display!(locale, security.detail_new_network, agent, address).to_string()
            }
            Self::ApplicationApproved { client, scopes } => {
                td_display!(locale, security.detail_application_approved, client, scopes)
                    .to_string()
            }
            Self::ApplicationDenied { client } => client.clone(),
            Self::DeviceApproved { client, scopes } => {
                td_display!(locale, security.detail_device_approved, client, scopes).to_string()
            }
            Self::DeviceDenied { client, scopes } => {
                td_display!(locale, security.detail_device_denied, client, scopes).to_string()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{EventDetail, RevokedBy};
    use crate::language::Locale;

    #[test]
    fn a_stored_detail_reads_in_each_language() {
        let stored = EventDetail::Revoked {
            agent: "Claude".into(),
            by: RevokedBy::Person,
        }
        .stored();
        assert_eq!(
            EventDetail::describe(&stored, Locale::en),
            "Claude can no longer act for you"
        );
        assert_eq!(
            EventDetail::describe(&stored, Locale::zh_Hans),
            "Claude 不能再代表你行事"
        );
        assert_eq!(
            EventDetail::describe(&stored, Locale::zh_Hant_HK),
            "Claude 不能再代表你行事"
        );
    }

    #[test]
    fn an_older_worded_row_is_shown_as_stored() {
        assert_eq!(
            EventDetail::describe("Claude was granted quote", Locale::zh_Hans),
            "Claude was granted quote"
        );
    }

    #[test]
    fn names_and_scopes_are_never_translated() {
        let detail = EventDetail::Granted {
            agent: "Day trader".into(),
            scopes: "quote trade.write".into(),
        };
        for locale in [Locale::en, Locale::zh_Hans, Locale::zh_Hant_HK] {
            let words = detail.words(locale);
            assert!(words.contains("Day trader") && words.contains("quote trade.write"));
        }
    }
}
