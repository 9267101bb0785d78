//! Serving: builds the state and the router, listens, and on Ctrl-C or SIGTERM stops taking
//! connections, ends the long-lived MCP streams, and finishes the requests in flight.

use std::net::SocketAddr;
use std::sync::Arc;

use crate::server::app::clock::SystemClock;
use crate::server::app::config::ServeConfig;
use crate::server::app::housekeeping;
use crate::server::app::router::app;
use crate::server::app::startup::build_state;

/// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
pub async fn serve(config: ServeConfig) -> anyhow::Result<()> {
    let bind = config.bind;
    let _sole_server = claim_sqlite_database(&config.database.database_url)?;
    let state = build_state(config, Arc::new(SystemClock)).await?;
    state.site.check().map_err(anyhow::Error::msg)?;
    housekeeping::spawn(state.clone());
    let app = app(state.clone()).await?;
    let listener = tokio::net::TcpListener::bind(bind).await?;
    tracing::info!(address = %listener.local_addr()?, public_url = %state.config.public_url, workers = state.config.worker_threads(), "Agent Connect is listening");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        state.shutdown.cancel();
    })
    .await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

/// On SQLite, makes this the only server of the database file: its rate limits and its
/// memory of live tokens assume that no other process revokes or counts behind its back. The
/// claim is a lock on `PATH.server-lock`, released when the process ends however it ends. A
/// second server stops start-up with one line; command-line tools such as `user create` may
/// still open the database.
fn claim_sqlite_database(url: &str) -> anyhow::Result<Option<std::fs::File>> {
    use std::str::FromStr;

    let backend = crate::server::db::Backend::of(url).map_err(anyhow::Error::msg)?;
    if !crate::server::app::topology::Topology::of(backend).owns_database() {
        return Ok(None);
    }
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)?;
    let mut path = options.get_filename().as_os_str().to_owned();
    path.push(".server-lock");
    if let Some(dir) = std::path::Path::new(&path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "another Agent Connect server already serves {}: on SQLite one server serves a database (use PostgreSQL for several)",
            options.get_filename().display()
        ),
        Err(std::fs::TryLockError::Error(err)) => Err(err.into()),
    }
}
