//! The `agent-connect` binary: `serve` runs the portal, `user create` adds an account.

use clap::Parser;
use tracing_subscriber::EnvFilter;

use agent_connect::server::config::{Cli, Command, UserCommand};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match cli.command {
        Command::Serve(config) => agent_connect::server::serve(config).await,
        Command::User(UserCommand::Create { database, email }) => {
            agent_connect::server::create_user(&database.database_url, &email).await
        }
    }
}
