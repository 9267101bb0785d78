//! The `agent-connect` binary: `serve` runs the portal, `user create` adds an account, and
//! `auth` is the client an agent uses to sign in with a one-time code.

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use agent_connect::command::{Cli, Command, UserCommand};

/// jemalloc: glibc's allocator spent a fifth of a busy server's time in malloc and free, much
/// of it waiting on its arena locks.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// The log directive that silences rmcp's transport, whose lines carry raw session ids.
const RMCP_TRANSPORT_OFF: &str = "rmcp::transport=off";

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Command::Serve(config) = &cli.command {
        runtime.worker_threads(config.worker_threads());
    }
    match runtime.enable_all().build() {
        Ok(runtime) => runtime.block_on(run(cli)),
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> ExitCode {
    // The client's output is for people and scripts; only the server logs by default.
    let default_filter = if matches!(cli.command, Command::Auth(_) | Command::Mcp { .. }) {
        "error"
    } else {
        "info"
    };
    // rmcp's transport names raw `Mcp-Session-Id`s in its log lines (a new session, a store
    // failure, a close), and an authorized session id is a bearer secret: those lines stay off
    // whatever RUST_LOG says. Our own lines name a session by its hash only.
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(default_filter))
        .add_directive(RMCP_TRANSPORT_OFF.parse().expect("a valid directive"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let outcome = match cli.command {
        Command::Serve(config) => agent_connect::server::serve(*config).await,
        Command::User(UserCommand::Create { database, email }) => {
            agent_connect::server::create_user(&database.database_url, &email).await
        }
        // The client's errors are written for the person or agent reading them, as they are.
        Command::Auth(command) => {
            return client_outcome(agent_connect::cli::run(command).await);
        }
        Command::Mcp { server } => {
            return client_outcome(agent_connect::cli::bridge::serve(server).await);
        }
    };
    // One line that says what is wrong (with its causes), never a backtrace: a setting the
    // server cannot honour must read as plainly as a typo in a flag.
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// The client's errors are written for the person or agent reading them, as they are.
fn client_outcome(outcome: Result<(), agent_connect::cli::CliError>) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{err}");
            ExitCode::FAILURE
        }
    }
}
