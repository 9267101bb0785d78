//! The person's security log: every entry is recorded here, from one [`EventDetail`] whose
//! [`EventKind`] follows from it. It is stored as facts (JSON in `security_events.detail`) and
//! put into words when a page shows it, in the reader's language; the names, scopes and
//! addresses in it are shown as they are, but for a name never given, which reads as
//! [`agent_name`] and [`application_name`] say. A row written before this format is shown as
//! stored.

use serde::{Deserialize, Serialize};
use sqlx::Executor;

use super::Actor;
use crate::language::{Locale, td_display, td_string};
use crate::server::db::events::{self, EventKind, NewEvent};
use crate::server::db::{Conn, Db};

/// What an agent without a name was stored as before its label was translated when shown.
const UNNAMED_AGENT: &str = "Unnamed agent";
/// What an application without a name was stored as before its label was translated when
/// shown.
const UNNAMED_APPLICATION: &str = "Unnamed application";

/// An agent's name as a person reads it, in `locale`. An agent that gave no name is stored
/// with an empty one and reads "Unnamed agent" in the reader's language, as do the English
/// placeholders stored before (an application's, for a grant made through an application).
pub fn agent_name(stored: &str, locale: Locale) -> String {
    match stored {
        "" | UNNAMED_AGENT => td_string!(locale, security.unnamed_agent).to_owned(),
        UNNAMED_APPLICATION => td_string!(locale, oauth.unnamed_application).to_owned(),
        name => name.to_owned(),
    }
}

/// Whether an agent gave a name of its own (not none, nor a stored placeholder).
pub fn has_own_name(stored: &str) -> bool {
    !matches!(stored, "" | UNNAMED_AGENT | UNNAMED_APPLICATION)
}

/// An application's (OAuth client's) name as a person reads it, in `locale`: one registered
/// without a name reads "Unnamed application" in the reader's language.
pub fn application_name(stored: &str, locale: Locale) -> String {
    match stored {
        "" | UNNAMED_APPLICATION => td_string!(locale, oauth.unnamed_application).to_owned(),
        name => name.to_owned(),
    }
}

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
        let agent_of = |stored: &str| agent_name(stored, locale);
        let client_of = |stored: &str| application_name(stored, locale);
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
                let agent = agent_of(agent);
                td_display!(locale, security.detail_granted, agent, scopes).to_string()
            }
            Self::Approved { agent, scopes } => {
                let agent = agent_of(agent);
                td_display!(locale, security.detail_approved, agent, scopes).to_string()
            }
            Self::Revoked { agent, by } => {
                let agent = agent_of(agent);
                match by {
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
                    RevokedBy::Denied => {
                        td_display!(locale, security.detail_denied, agent).to_string()
                    }
                }
            }
            Self::AccessTokenRevoked { agent } => {
                let agent = agent_of(agent);
                td_display!(locale, security.detail_access_token_revoked, agent).to_string()
            }
            Self::NotApprovedInTime { agent } => {
                let agent = agent_of(agent);
                td_display!(locale, security.detail_not_approved, agent).to_string()
            }
            Self::AllRevoked { agents } => {
                let agents = agents
                    .iter()
                    .map(|agent| agent_of(agent))
                    .collect::<Vec<_>>()
                    .join(td_string!(locale, panel.list_separator));
                td_display!(locale, security.detail_all_revoked, agents).to_string()
            }
            Self::Paused { agent } => {
                let agent = agent_of(agent);
                td_display!(locale, security.detail_paused, agent).to_string()
            }
            Self::Resumed { agent } => {
                let agent = agent_of(agent);
                td_display!(locale, security.detail_resumed, agent).to_string()
            }
            Self::Renamed { agent, to } => {
                let (agent, to) = (agent_of(agent), agent_of(to));
                td_display!(locale, security.detail_renamed, agent, to).to_string()
            }
            Self::HighRiskRenewed { agent } => {
                let agent = agent_of(agent);
                td_display!(locale, security.detail_high_risk_renewed, agent).to_string()
            }
            Self::PausedOnNewNetwork { agent, address } => {
                let agent = agent_of(agent);
                td_display!(locale, security.detail_new_network, agent, address).to_string()
            }
            Self::ApplicationApproved { client, scopes } => {
                let client = client_of(client);
                td_display!(locale, security.detail_application_approved, client, scopes)
                    .to_string()
            }
            Self::ApplicationDenied { client } => client_of(client),
            Self::DeviceApproved { client, scopes } => {
                let client = client_of(client);
                td_display!(locale, security.detail_device_approved, client, scopes).to_string()
            }
            Self::DeviceDenied { client, scopes } => {
                let client = client_of(client);
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

    #[test]
    fn a_name_never_given_reads_in_the_readers_language() {
        for agent in ["", "Unnamed agent"] {
            let detail = EventDetail::Paused {
                agent: agent.into(),
            };
            assert!(detail.words(Locale::en).starts_with("Unnamed agent "));
            assert!(detail.words(Locale::zh_Hans).starts_with("未命名代理"));
            assert!(!detail.words(Locale::zh_Hant_HK).contains("Unnamed"));
        }
        for client in ["", "Unnamed application"] {
            let detail = EventDetail::ApplicationDenied {
                client: client.into(),
            };
            assert_eq!(detail.words(Locale::en), "Unnamed application");
            assert_eq!(detail.words(Locale::zh_Hans), "未命名应用");
            assert_eq!(detail.words(Locale::zh_Hant_HK), "未命名應用程式");
        }
    }

    #[test]
    fn agents_are_listed_as_each_language_lists() {
        let detail = EventDetail::AllRevoked {
            agents: vec!["Claude".into(), String::new()],
        };
        assert!(
            detail
                .words(Locale::en)
                .ends_with(": Claude, Unnamed agent")
        );
        assert!(
            detail
                .words(Locale::zh_Hans)
                .ends_with("：Claude、未命名代理")
        );
        assert!(
            detail
                .words(Locale::zh_Hant_HK)
                .ends_with("：Claude、未命名代理")
        );
    }
}
