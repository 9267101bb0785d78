//! The state every handler and server function shares.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

use crate::scopes::Scope;
use crate::server::app::clock::Clock;
use crate::server::app::config::ServeConfig;
use crate::server::app::site::SiteAssets;
use crate::server::auth::password::PasswordHasher;
use crate::server::db::Pool;
use crate::server::db::portal_sessions::Sessions;
use crate::server::domain::activity_log::ActivityLog;
use crate::server::domain::agent_code::group_commit::GroupCommit;
use crate::server::domain::ratelimit::RateLimits;
use crate::server::domain::token_cache::LiveTokens;
use crate::server::download::build::CliBuild;
use crate::server::mcp::legacy_sessions::AgentSessions;
use crate::server::oauth::client_metadata::fetch::Fetcher;

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
