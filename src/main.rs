//! The `agent-connect` binary: `serve` runs the portal, `user create` adds an account, and
//! `auth` is the client an agent uses to sign in with a one-time code.

use clap::Parser;
use tracing_subscriber::EnvFilter;

use agent_connect::server::config::{Cli, Command, UserCommand};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // The client's output is for people and scripts; only the server logs by default.
    let default_filter = if matches!(cli.command, Command::Auth(_)) {
        "error"
    } else {
        "info"
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter)),
        )
        .with_writer(std::io::stderr)
        .init();
    match cli.command {
        Command::Serve(config) => agent_connect::server::serve(*config).await,
        Command::User(UserCommand::Create { database, email }) => {
            agent_connect::server::create_user(&database.database_url, &email).await
        }
        Command::Auth(command) => {
            if let Err(err) = agent_connect::cli::run(command).await {
                eprintln!("{err}");
                std::process::exit(1);
            }
            Ok(())
        }
    }
}
