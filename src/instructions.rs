//! The paste-ready texts shown beside a fresh code, one per way an agent can redeem it.

use crate::grant_type::GrantType;
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
    pub fn label(self) -> &'static str {
        match self {
            Channel::Cli => "CLI",
            Channel::ClaudeCode => "MCP / Claude Code",
            Channel::AnyAgent => "Any agent",
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
}

impl Instructions<'_> {
    /// The text of one tab, ready to paste into an agent's prompt or a terminal.
    pub fn text(&self, channel: Channel) -> String {
        let url = self.public_url.trim_end_matches('/');
        let code = self.code;
        let scopes = self.scopes.join(" ");
        let limits = "The code works once and expires 5 minutes after it was issued.";
        let grant_type = GrantType::AgentCode;
        let refresh = GrantType::RefreshToken;
        match channel {
            Channel::Cli => match self.download {
                Some(CliDownload { sha256, platform }) => format!(
                    "Sign in to Agent Connect with this one-time code. These commands fetch the \
                     agent-connect command-line client from the server ({platform} build), check \
                     it against its SHA-256, and run it:\n\n\
                     curl -fsSLo agent-connect {url}{CLI_DOWNLOAD_PATH}\n\
                     echo \"{sha256}  agent-connect\" | sha256sum -c -\n\
                     chmod +x agent-connect\n\
                     ./agent-connect auth login --auth-code {code} --server {url}\n\n\
                     If agent-connect is already installed, run only the last line, without \"./\".\n\n\
                     Permissions granted: {scopes}\n{limits}\n"
                ),
                None => format!(
                    "Sign in to Agent Connect with this one-time code by running:\n\n\
                     agent-connect auth login --auth-code {code} --server {url}\n\n\
                     Permissions granted: {scopes}\n{limits}\n"
                ),
            },
            Channel::ClaudeCode => format!(
                "Connect Claude Code (or any MCP client) to Agent Connect:\n\n\
                 claude mcp add --transport http agent-connect-auth {url}/mcp/agent\n\n\
                 Then ask the assistant: \"Use the agent-connect-auth authenticate tool with \
                 code {code}\".\n\n\
                 Permissions granted: {scopes}\n{limits}\n"
            ),
            Channel::AnyAgent => format!(
                "Exchange this one-time code for an access token with one HTTP request:\n\n\
                 curl -s -X POST {url}/oauth2/token \\\n  \
                 -d grant_type={grant_type} \\\n  \
                 -d code={code}\n\n\
                 The JSON answer has access_token (valid 30 minutes) and refresh_token. Send \
                 \"Authorization: Bearer <access_token>\" with each request, and refresh at \
                 {url}/oauth2/token with grant_type={refresh}.\n\n\
                 Permissions granted: {scopes}\n{limits}\n"
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
}
