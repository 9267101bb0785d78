//! Start-up: loads the scope catalogue, opens the database, finds the built site, and
//! assembles the [`AppState`] every handler shares.

use std::sync::Arc;

use leptos::prelude::*;

use crate::server::app::clock::Clock;
use crate::server::app::config::ServeConfig;
use crate::server::app::site::SiteAssets;
use crate::server::app::state::{AppState, Shared};
use crate::server::app::topology::Topology;
use crate::server::auth::password::PasswordHasher;
use crate::server::db;
use crate::server::domain::activity_log::ActivityLog;
use crate::server::domain::agent_code::group_commit::GroupCommit;
use crate::server::domain::catalogue;
use crate::server::domain::ratelimit::RateLimits;
use crate::server::domain::token_cache::LiveTokens;
use crate::server::mcp::legacy_sessions::AgentSessions;

/// Opens the database and assembles the shared state.
pub async fn build_state(config: ServeConfig, clock: Arc<dyn Clock>) -> anyhow::Result<AppState> {
    let catalogue = catalogue::load(config.scopes_file.as_deref()).map_err(anyhow::Error::msg)?;
    let client_metadata = crate::server::oauth::client_metadata::fetcher(&config)?;
    let cli_build = Arc::new(crate::server::download::build::CliBuild::new(
        config.cli_binary.clone(),
    )?);
    let url = &config.database.database_url;
    let backend = db::Backend::of(url).map_err(anyhow::Error::msg)?;
    let topology = Topology::of(backend);
    let cannot_open =
        |err: sqlx::Error| anyhow::anyhow!("cannot open the {} database: {err}", backend.name());
    let db = db::connect(url).await.map_err(cannot_open)?;
    // The metrics recorder goes in before anything is counted.
    crate::server::web::prometheus::handle();
    crate::server::app::telemetry::build_info(backend.name());
    let sessions = db::portal_sessions::Sessions::open(url)
        .await
        .map_err(cannot_open)?;
    let mut leptos_options = leptos_options(&config)?;
    let site = SiteAssets::discover(&mut leptos_options);
    let shutdown = tokio_util::sync::CancellationToken::new();
    let activity = ActivityLog::default();
    activity.spawn_writer(db.clone(), shutdown.clone());
    Ok(AppState::new(Shared {
        leptos_options,
        site: Arc::new(site),
        db: db.clone(),
        sessions,
        limits: match topology {
            Topology::OwnsDatabase => RateLimits::new(
                config.rate_limit_per_minute,
                config.unauthenticated_writes_per_minute,
            ),
            Topology::SharesDatabase => RateLimits::shared(
                config.rate_limit_per_minute,
                config.unauthenticated_writes_per_minute,
                db.clone(),
            ),
        },
        live_tokens: LiveTokens::new(topology.owns_database()),
        group_commit: topology
            .owns_database()
            .then(|| GroupCommit::start(db.clone())),
        agent_sessions: AgentSessions::shared(&config, db.clone()),
        client_metadata,
        cli_build,
        config: Arc::new(config),
        clock,
        catalogue: Arc::new(catalogue),
        passwords: PasswordHasher::new(),
        activity,
        shutdown,
    }))
}

/// Leptos's options, pointed at the configured address and built site.
fn leptos_options(config: &ServeConfig) -> anyhow::Result<LeptosOptions> {
    let mut options = get_configuration(None)?.leptos_options;
    if options.output_name.is_empty() {
        options.output_name = env!("CARGO_PKG_NAME").into();
    }
    options.site_addr = config.bind;
    options.site_root = config.site_root.to_string_lossy().into_owned().into();
    Ok(options)
}
