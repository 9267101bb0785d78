//! Serving: builds the state and the router, listens, and on Ctrl-C or SIGTERM stops taking
//! connections, ends the long-lived MCP streams, and finishes the requests in flight.

use std::net::SocketAddr;
use std::sync::Arc;

use super::clock::SystemClock;
use super::config::ServeConfig;
use super::housekeeping;
use super::router::app;
use super::startup::build_state;

/// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
pub async fn serve(config: ServeConfig) -> anyhow::Result<()> {
    let bind = config.bind;
    let state = build_state(config, Arc::new(SystemClock)).await?;
    state.site.check().map_err(anyhow::Error::msg)?;
    housekeeping::spawn(state.clone());
    let app = app(state.clone()).await?;
    let listener = tokio::net::TcpListener::bind(bind).await?;
    tracing::info!(address = %listener.local_addr()?, public_url = %state.config.public_url, "Agent Connect is listening");
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
