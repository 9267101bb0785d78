//! `agent-connect auth …`: the command-line client that redeems an agent auth code and keeps
//! the resulting tokens fresh for scripts and agents.
//!
//! `login` redeems a code at the token endpoint (grant type
//! `urn:agent-connect:grant-type:agent-auth-code`), `status` and `token` refresh the access
//! token when it is close to expiry (RFC 6749 section 6, rotation saved atomically), and
//! `logout` revokes the grant on the server (RFC 7009) before deleting the saved tokens.
//! `header` prints the access token as an HTTP header for an MCP client's header helper, and
//! [`bridge`] serves the grant's tools to a stdio MCP client (`agent-connect mcp`).

pub mod bridge;
pub mod store;

use std::time::Duration;

use clap::Subcommand;
use serde::Deserialize;

use crate::grant_type::GrantType;
use store::{SavedTokens, TokenStore};

/// Refresh when the access token has less than this many seconds left.
const REFRESH_MARGIN: i64 = 120;

#[derive(Subcommand)]
pub enum AuthCommand {
    /// Redeem a one-time agent auth code from the portal's "Connect an agent" page.
    Login {
        /// The code, as shown or pasted (case, spaces, dashes and quotes do not matter).
        #[arg(long)]
        auth_code: String,
        /// The Agent Connect server.
        #[arg(
            long,
            env = "AGENT_CONNECT_SERVER",
            default_value = "http://127.0.0.1:3000"
        )]
        server: String,
        /// A name for this agent, used if the person did not name it on the portal.
        #[arg(long, default_value = "agent-connect CLI")]
        agent_name: String,
    },
    /// Show the saved sign-in: server, agent name, permissions and expiry.
    Status {
        /// Only consider tokens saved for this server.
        #[arg(long, env = "AGENT_CONNECT_SERVER")]
        server: Option<String>,
    },
    /// Print a valid access token (refreshing it if needed), for scripts.
    Token {
        #[arg(long, env = "AGENT_CONNECT_SERVER")]
        server: Option<String>,
    },
    /// Print `{"Authorization": "Bearer …"}` with a valid access token (refreshing it if
    /// needed), for an MCP client's header helper (Claude Code's `headersHelper`).
    Header {
        #[arg(long, env = "AGENT_CONNECT_SERVER")]
        server: Option<String>,
    },
    /// Revoke the saved tokens on the server, then delete them.
    Logout {
        #[arg(long, env = "AGENT_CONNECT_SERVER")]
        server: Option<String>,
    },
}

impl std::fmt::Debug for AuthCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Login {
                auth_code: _,
                server,
                agent_name,
            } => f
                .debug_struct("Login")
                .field("auth_code", &"<redacted>")
                .field("server", server)
                .field("agent_name", agent_name)
                .finish(),
            Self::Status { server } => f.debug_struct("Status").field("server", server).finish(),
            Self::Token { server } => f.debug_struct("Token").field("server", server).finish(),
            Self::Header { server } => f.debug_struct("Header").field("server", server).finish(),
            Self::Logout { server } => f.debug_struct("Logout").field("server", server).finish(),
        }
    }
}

/// A failure worded for the person at the terminal.
#[derive(Debug)]
pub struct CliError(pub String);

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for CliError {
    fn from(message: String) -> Self {
        Self(message)
    }
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    refresh_token: String,
    expires_in: i64,
    scope: String,
    client_id: String,
    #[serde(default)]
    agent_name: String,
}

#[derive(Deserialize)]
struct ErrorAnswer {
    error: String,
    #[serde(default)]
    error_description: String,
}

/// Runs one `auth` command, writing what the person should read to standard output.
pub async fn run(command: AuthCommand) -> Result<(), CliError> {
    let store = TokenStore::default_location()?;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .user_agent(concat!("agent-connect/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| CliError(e.to_string()))?;
    match command {
        AuthCommand::Login {
            auth_code,
            server,
            agent_name,
        } => {
            let server = server.trim_end_matches('/').to_owned();
            let tokens = login(&http, &store, &server, &auth_code, &agent_name).await?;
            println!(
                "Signed in to {} as \"{}\".",
                tokens.server, tokens.agent_name
            );
            println!("Permissions: {}", tokens.scope);
            println!(
                "Tokens saved to {}",
                store.dir().join(&tokens.client_id).display()
            );
            println!("Run `agent-connect auth token` to print an access token for requests.");
        }
        AuthCommand::Status { server } => {
            let tokens = fresh_tokens(&http, &store, server.as_deref(), None).await?;
            let left = tokens.expires_at - unix_now();
            println!("Server:      {}", tokens.server);
            println!("Agent:       {}", tokens.agent_name);
            println!("Permissions: {}", tokens.scope);
            println!("Client id:   {}", tokens.client_id);
            println!(
                "Access token expires in {} (at {}).",
                minutes(left),
                crate::timefmt::utc(tokens.expires_at)
            );
        }
        AuthCommand::Token { server } => {
            let tokens = fresh_tokens(&http, &store, server.as_deref(), None).await?;
            println!("{}", tokens.access_token);
        }
        AuthCommand::Header { server } => {
            let tokens = fresh_tokens(&http, &store, server.as_deref(), None).await?;
            let header = serde_json::json!({
                "Authorization": format!("Bearer {}", tokens.access_token)
            });
            println!("{header}");
        }
        AuthCommand::Logout { server } => {
            let (_, tokens) = saved(&store, server.as_deref())?;
            revoke(&http, &tokens).await?;
            store.remove(&tokens.client_id)?;
            println!(
                "Signed out of {}: the grant is revoked and the saved tokens are deleted.",
                tokens.server
            );
        }
    }
    Ok(())
}

async fn login(
    http: &reqwest::Client,
    store: &TokenStore,
    server: &str,
    auth_code: &str,
    agent_name: &str,
) -> Result<SavedTokens, CliError> {
    let form = [
        ("grant_type", GrantType::AgentCode.as_str()),
        ("code", auth_code),
        ("agent_name", agent_name),
    ];
    let answer = post_token(http, server, &form).await.map_err(|failure| match failure {
        TokenFailure::Refused(err) if err.error == "invalid_grant" => CliError(format!(
            "That code is invalid, expired or already used. Codes work once, within 5 minutes.\n\
             Generate a new one at {server}/connect and run this command again."
        )),
        other => other.into_cli(server),
    })?;
    let tokens = saved_from(server, answer);
    store.save(&tokens)?;
    Ok(tokens)
}

/// The saved tokens, refreshed first when the access token is about to expire, or when it is
/// `refused` (a resource answered 401 to it). The read, the refresh and the write happen under
/// the store's lock: another process refreshing at the same moment waits, then reads the
/// tokens this one saved (and a refused token another process already replaced is not
/// refreshed twice).
pub(crate) async fn fresh_tokens(
    http: &reqwest::Client,
    store: &TokenStore,
    server: Option<&str>,
    refused: Option<&str>,
) -> Result<SavedTokens, CliError> {
    let _lock = store.lock()?;
    let (_, tokens) = saved(store, server)?;
    let was_refused = refused.is_some_and(|token| token == tokens.access_token);
    if tokens.expires_at - unix_now() > REFRESH_MARGIN && !was_refused {
        return Ok(tokens);
    }
    let form = [
        ("grant_type", GrantType::RefreshToken.as_str()),
        ("refresh_token", tokens.refresh_token.as_str()),
        ("client_id", tokens.client_id.as_str()),
    ];
    let answer = post_token(http, &tokens.server, &form).await.map_err(|failure| match failure {
        TokenFailure::Refused(err) if err.error == "invalid_grant" => CliError(format!(
            "This sign-in is no longer valid (it was revoked or has expired).\n\
             Get a new code at {}/connect and run `agent-connect auth login --auth-code CODE --server {}`.",
            tokens.server, tokens.server
        )),
        other => other.into_cli(&tokens.server),
    })?;
    let refreshed = saved_from(&tokens.server, answer);
    store.save(&refreshed)?;
    Ok(refreshed)
}

fn saved(
    store: &TokenStore,
    server: Option<&str>,
) -> Result<(std::path::PathBuf, SavedTokens), CliError> {
    store.list(server)?.into_iter().next().ok_or_else(|| {
        CliError(format!(
            "Not signed in{}. Get a code on the portal's \"Connect an agent\" page, then run\n  \
             agent-connect auth login --auth-code CODE --server URL",
            server.map(|s| format!(" to {s}")).unwrap_or_default()
        ))
    })
}

async fn revoke(http: &reqwest::Client, tokens: &SavedTokens) -> Result<(), CliError> {
    let res = http
        .post(format!("{}/oauth2/revoke", tokens.server))
        .form(&[
            ("token", tokens.refresh_token.as_str()),
            ("token_type_hint", "refresh_token"),
            ("client_id", tokens.client_id.as_str()),
        ])
        .send()
        .await
        .map_err(|e| unreachable_server(&tokens.server, &e))?;
    if res.status().is_success() {
        Ok(())
    } else {
        Err(CliError(format!(
            "{} refused to revoke the tokens (HTTP {}); they are kept so you can try again.",
            tokens.server,
            res.status()
        )))
    }
}

enum TokenFailure {
    Unreachable(reqwest::Error),
    Refused(ErrorAnswer),
    RateLimited(u64),
    Unexpected(u16),
}

impl TokenFailure {
    fn into_cli(self, server: &str) -> CliError {
        match self {
            TokenFailure::Unreachable(e) => unreachable_server(server, &e),
            TokenFailure::RateLimited(wait) => CliError(format!(
                "Too many attempts. Wait {wait} seconds and try again."
            )),
            TokenFailure::Refused(err) => CliError(format!(
                "{server} refused: {} ({})",
                err.error_description, err.error
            )),
            TokenFailure::Unexpected(status) => CliError(format!(
                "{server} answered HTTP {status}; is this an Agent Connect server?"
            )),
        }
    }
}

fn unreachable_server(server: &str, err: &reqwest::Error) -> CliError {
    CliError(format!(
        "Could not reach {server}: {err}. Check the --server URL and your connection."
    ))
}

async fn post_token(
    http: &reqwest::Client,
    server: &str,
    form: &[(&str, &str)],
) -> Result<TokenAnswer, TokenFailure> {
    let res = http
        .post(format!("{server}/oauth2/token"))
        .form(form)
        .send()
        .await
        .map_err(TokenFailure::Unreachable)?;
    let status = res.status().as_u16();
    if status == 429 {
        let wait = res
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(60);
        return Err(TokenFailure::RateLimited(wait));
    }
    if res.status().is_success() {
        return res
            .json()
            .await
            .map_err(|_| TokenFailure::Unexpected(status));
    }
    match res.json::<ErrorAnswer>().await {
        Ok(err) => Err(TokenFailure::Refused(err)),
        Err(_) => Err(TokenFailure::Unexpected(status)),
    }
}

fn saved_from(server: &str, answer: TokenAnswer) -> SavedTokens {
    SavedTokens {
        server: server.to_owned(),
        client_id: answer.client_id,
        agent_name: answer.agent_name,
        scope: answer.scope,
        access_token: answer.access_token,
        refresh_token: answer.refresh_token,
        expires_at: unix_now() + answer.expires_in,
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

fn minutes(seconds: i64) -> String {
    match seconds {
        s if s <= 0 => "0 minutes (expired)".to_owned(),
        s if s < 120 => format!("{s} seconds"),
        s => format!("{} minutes", s / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_never_show_the_code() {
        let login = AuthCommand::Login {
            auth_code: "K7QM-4XHD-92TB-VN3R-2WQX-P".into(),
            server: "https://ac.example".into(),
            agent_name: "CLI".into(),
        };
        let shown = format!("{login:?}");
        assert!(
            !shown.contains("K7QM") && shown.contains("ac.example"),
            "{shown}"
        );
    }
}
