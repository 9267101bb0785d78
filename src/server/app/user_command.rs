//! `agent-connect user create`: an account made from the command line, for deployments with
//! sign-up turned off. The account is made by [`crate::server::domain::accounts::create`], as sign-up makes it.

use std::io::BufRead;
use std::sync::Arc;

use crate::server::app::clock::SystemClock;
use crate::server::app::config::ServeConfig;
use crate::server::app::startup::build_state;
use crate::server::domain::accounts;

/// Makes an account, reading the password from standard input.
pub async fn create_user(database_url: &str, email: &str) -> anyhow::Result<()> {
    let mut password = String::new();
    std::io::stdin().lock().read_line(&mut password)?;
    let password = password.trim_end_matches(['\r', '\n']);
    let state = build_state(ServeConfig::defaults(database_url), Arc::new(SystemClock)).await?;
    let user = accounts::create(
        &state.db,
        &state.passwords,
        accounts::NewAccount {
            email,
            password,
            addr: None,
            at: state.now(),
        },
    )
    .await?;
    println!("Created account {} ({})", user.email, user.id);
    Ok(())
}
