//! The state every handler and server function shares.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

use super::activity::ActivityLog;
use super::auth::password::PasswordHasher;
use super::clock::Clock;
use super::config::ServeConfig;
use super::db::Pool;
use super::db::sessions::Sessions;
use super::download::build::CliBuild;
use super::live_tokens::LiveTokens;
use super::mcp::agent_sessions::AgentSessions;
use super::oauth::client_metadata::fetch::Fetcher;
use super::oauth::grants::agent_code::group_commit::GroupCommit;
use super::ratelimit::RateLimits;
use super::site::SiteAssets;
use crate::scopes::Scope;

/// Cheap to clone (one reference count): every request clones it several times, once per
/// layer that extracts it. Its fields are [`Shared`]'s.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// Leptos's handlers take the options from the state.
impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

pub struct Shared {
    pub leptos_options: LeptosOptions,
    /// The built site: the bundle's hashed names, and whether there is one.
    pub site: Arc<SiteAssets>,
    pub db: Pool,
    /// The portal's session store, on the same database.
    pub sessions: Sessions,
    pub config: Arc<ServeConfig>,
    pub clock: Arc<dyn Clock>,
    pub catalogue: Arc<Vec<Scope>>,
    pub passwords: PasswordHasher,
    pub limits: RateLimits,
    /// The one writer of code redemptions on SQLite, which commits them in batches; `None`
    /// on PostgreSQL, where each redemption commits on its own connection.
    pub group_commit: Option<GroupCommit>,
    /// Live access tokens and grant use, remembered between requests.
    pub live_tokens: LiveTokens,
    /// What each agent did, counted in memory and written every couple of seconds.
    pub activity: ActivityLog,
    /// Fetches Client ID Metadata Documents.
    pub client_metadata: Fetcher,
    /// The command-line client offered for download.
    pub cli_build: Arc<CliBuild>,
    /// The sessions of `/mcp/agent` and their caps.
    pub agent_sessions: AgentSessions,
    /// Cancelled when the server shuts down, so long-lived MCP streams end with it.
    pub shutdown: tokio_util::sync::CancellationToken,
}

impl Shared {
    pub fn now(&self) -> i64 {
        self.clock.now()
    }
}
