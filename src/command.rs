//! The `agent-connect` command line: `serve` runs the portal, `user create` adds an account,
//! `auth` is the client an agent uses, and `mcp` serves that client's grant to a stdio MCP
//! client. The server's settings and the client's commands are
//! defined by their own modules; this one only puts them under one program.

use clap::{Parser, Subcommand};

use crate::cli::AuthCommand;
use crate::server::app::config::{DatabaseConfig, ServeConfig};

/// The arguments of the `agent-connect` program.
#[derive(Debug, Parser)]
#[command(
    name = "agent-connect",
    version,
    about = "Authorize AI agents with one-time codes"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the portal and the OAuth 2.1 endpoints.
    Serve(Box<ServeConfig>),
    /// Manage accounts (for deployments with sign-up turned off).
    #[command(subcommand)]
    User(UserCommand),
    /// Sign an agent in with a one-time code and keep its tokens fresh.
    #[command(subcommand)]
    Auth(AuthCommand),
    /// Serve the signed-in grant's tools to an MCP client over stdio (for example
    /// `claude mcp add agent-connect -- agent-connect mcp`). The tokens stay with this program.
    Mcp {
        /// Only use tokens saved for this server.
        #[arg(long, env = "AGENT_CONNECT_SERVER")]
        server: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. The password is read from standard input.
    Create {
        #[command(flatten)]
        database: DatabaseConfig,
        /// Email address of the new account.
        #[arg(long)]
        email: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_a_secret() {
        let mut config = ServeConfig::defaults("postgres://app:db-password@db.internal/ac");
        config.resource_client_id = Some("resource-server".into());
        config.resource_client_secret = Some("resource-secret".into());
        let shown = format!("{config:?} {:?}", Command::Serve(Box::new(config.clone())));
        assert!(!shown.contains("resource-secret"), "{shown}");
        assert!(!shown.contains("db-password"), "{shown}");
        assert!(shown.contains("resource-server") && shown.contains("db.internal"));
    }
}
