//! The paste-ready texts shown beside a fresh code, one per way an agent can redeem it.

use crate::grant_type::GrantType;
use crate::language::{Locale, td_display, td_string};
use crate::model::CliDownload;

/// Where the server offers its own build of the command-line client.
pub const CLI_DOWNLOAD_PATH: &str = "/download/agent-connect";

/// One instruction tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Cli,
    ClaudeCode,
    AnyAgent,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Cli, Channel::ClaudeCode, Channel::AnyAgent];

    /// The tab's label.
    pub fn label(self, locale: Locale) -> &'static str {
        match self {
            Channel::Cli => "CLI",
            Channel::ClaudeCode => "MCP / Claude Code",
            Channel::AnyAgent => td_string!(locale, instructions.any_agent),
        }
    }

    /// A stable id fragment for the tab and its panel.
    pub fn slug(self) -> &'static str {
        match self {
            Channel::Cli => "cli",
            Channel::ClaudeCode => "mcp",
            Channel::AnyAgent => "any",
        }
    }
}

/// What the texts are about.
pub struct Instructions<'a> {
    pub code: &'a str,
    pub public_url: &'a str,
    pub scopes: &'a [String],
    /// The client the server offers for download; without it the CLI tab assumes it is
    /// installed.
    pub download: Option<&'a CliDownload>,
    /// The language of the prose around the commands.
    pub locale: Locale,
}

impl Instructions<'_> {
    /// The text of one tab, ready to paste into an agent's prompt or a terminal. The prose is
    /// in the visitor's language; the commands, the code and the addresses are the same in
    /// every language.
    pub fn text(&self, channel: Channel) -> String {
        let locale = self.locale;
        let url = self.public_url.trim_end_matches('/');
        let code = self.code;
        let scopes = self.scopes.join(" ");
        let footer = format!(
            "{}\n{}\n",
            td_display!(locale, instructions.granted, scopes),
            td_string!(locale, instructions.limits)
        );
        let login = format!("agent-connect auth login --auth-code {code} --server {url}");
        match channel {
            Channel::Cli => match self.download {
                Some(CliDownload { sha256, platform }) => format!(
                    "{}\n\n\
                     curl -fsSLo agent-connect {url}{CLI_DOWNLOAD_PATH}\n\
                     echo \"{sha256}  agent-connect\" | sha256sum -c -\n\
                     chmod +x agent-connect\n\
                     ./{login}\n\n\
                     {}\n\n{footer}",
                    td_display!(locale, instructions.cli_fetch, platform),
                    td_string!(locale, instructions.cli_installed),
                ),
                None => format!(
                    "{}\n\n{login}\n\n{footer}",
                    td_string!(locale, instructions.cli_run)
                ),
            },
            Channel::ClaudeCode => format!(
                "{}\n\n\
                 claude mcp add --transport http agent-connect-auth {url}/mcp/agent\n\n\
                 {}\n\n{footer}",
                td_string!(locale, instructions.mcp_connect),
                td_display!(locale, instructions.mcp_ask, code),
            ),
            Channel::AnyAgent => format!(
                "{}\n\n\
                 curl -s -X POST {url}/oauth2/token \\\n  \
                 -d grant_type={grant_type} \\\n  \
                 -d code={code}\n\n\
                 {}\n\n{footer}",
                td_string!(locale, instructions.any_exchange),
                td_display!(
                    locale,
                    instructions.any_use,
                    url,
                    header = "Authorization: Bearer <access_token>",
                    refresh = GrantType::RefreshToken
                ),
                grant_type = GrantType::AgentCode,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Instructions<'static> {
        static SCOPES: std::sync::LazyLock<Vec<String>> =
            std::sync::LazyLock::new(|| vec!["quote".into(), "trade.read".into()]);
        Instructions {
            code: "K7QM-4XHD-92TB-VN3R-2WQX-P",
            public_url: "https://ac.example/",
            scopes: &SCOPES,
            download: None,
            locale: Locale::en,
        }
    }

    #[test]
    fn every_text_names_code_server_scopes_and_limits() {
        for channel in Channel::ALL {
            let text = sample().text(channel);
            assert!(text.contains("K7QM-4XHD-92TB-VN3R-2WQX-P"), "{text}");
            assert!(text.contains("https://ac.example"), "{text}");
            assert!(!text.contains("example//"), "{text}");
            assert!(text.contains("quote trade.read"), "{text}");
            assert!(
                text.contains("works once") && text.contains("5 minutes"),
                "{text}"
            );
        }
    }

    #[test]
    fn each_channel_has_its_command() {
        let s = sample();
        assert!(s.text(Channel::Cli).contains(
            "agent-connect auth login --auth-code K7QM-4XHD-92TB-VN3R-2WQX-P --server https://ac.example"
        ));
        assert!(s.text(Channel::ClaudeCode).contains(
            "claude mcp add --transport http agent-connect-auth https://ac.example/mcp/agent"
        ));
        assert!(
            s.text(Channel::AnyAgent)
                .contains(GrantType::AgentCode.as_str())
        );
    }

    #[test]
    fn the_cli_tab_fetches_checks_and_runs_the_offered_build() {
        let download = CliDownload {
            sha256: "ab".repeat(32),
            platform: "linux x86_64".into(),
        };
        let text = Instructions {
            download: Some(&download),
            ..sample()
        }
        .text(Channel::Cli);
        let commands: Vec<&str> = text
            .lines()
            .skip_while(|l| !l.starts_with("curl"))
            .take_while(|l| !l.is_empty())
            .collect();
        assert_eq!(
            commands,
            [
                "curl -fsSLo agent-connect https://ac.example/download/agent-connect",
                &format!(
                    "echo \"{}  agent-connect\" | sha256sum -c -",
                    "ab".repeat(32)
                ),
                "chmod +x agent-connect",
                "./agent-connect auth login --auth-code K7QM-4XHD-92TB-VN3R-2WQX-P --server https://ac.example",
            ]
        );
        assert!(text.contains("linux x86_64 build"), "{text}");
    }

    /// Every line a person or an agent runs or quotes is the same in every language.
    #[test]
    fn commands_and_codes_are_never_translated() {
        let download = CliDownload {
            sha256: "cd".repeat(32),
            platform: "linux x86_64".into(),
        };
        let commands = |text: &str| -> Vec<String> {
            text.lines()
                .filter(|l| {
                    [
                        "curl ",
                        "echo ",
                        "chmod ",
                        "./agent-connect ",
                        "agent-connect ",
                        "claude ",
                        "  -d ",
                    ]
                    .iter()
                    .any(|p| l.starts_with(p))
                })
                .map(str::to_owned)
                .collect()
        };
        for download in [None, Some(&download)] {
            for channel in Channel::ALL {
                let english = Instructions {
                    download,
                    ..sample()
                }
                .text(channel);
                assert!(!commands(&english).is_empty(), "{english}");
                for locale in [Locale::zh_Hans, Locale::zh_Hant_HK] {
                    let text = Instructions {
                        download,
                        locale,
                        ..sample()
                    }
                    .text(channel);
                    assert_eq!(commands(&text), commands(&english), "{text}");
                    assert_ne!(text, english);
                    assert!(text.contains("K7QM-4XHD-92TB-VN3R-2WQX-P"), "{text}");
                    assert!(text.contains("quote trade.read"), "{text}");
                }
            }
        }
    }
}
