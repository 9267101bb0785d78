//! Everything that runs only on the server: storage, OAuth endpoints, sessions, and building
//! and serving the axum application.

pub mod accounts;
pub mod auth;
pub mod catalogue;
pub mod clock;
pub mod codes;
pub mod config;
pub mod db;
pub mod housekeeping;
pub mod mcp;
pub mod oauth;
pub mod portal;
pub mod ratelimit;
pub mod redirect_uris;
pub mod site;
pub mod state;
pub mod tokens;
pub mod user_code;
pub mod web;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, Session, SessionManagerLayer};

use crate::app::{App, shell};
use auth::password::PasswordHasher;
use clock::{Clock, SystemClock};
use config::ServeConfig;
use ratelimit::RateLimits;
use state::AppState;

/// Name of the portal's session cookie.
pub const SESSION_COOKIE: &str = "agent_connect_session";

/// Opens the database and assembles the shared state.
pub async fn build_state(config: ServeConfig, clock: Arc<dyn Clock>) -> anyhow::Result<AppState> {
    let catalogue = catalogue::load(config.scopes_file.as_deref()).map_err(anyhow::Error::msg)?;
    db::check_url(&config.database.database_url).map_err(anyhow::Error::msg)?;
    let db = db::connect(&config.database.database_url).await?;
    let mut leptos_options = get_configuration(None)?.leptos_options;
    if leptos_options.output_name.is_empty() {
        leptos_options.output_name = env!("CARGO_PKG_NAME").into();
    }
    leptos_options.site_addr = config.bind;
    leptos_options.site_root = config.site_root.to_string_lossy().into_owned().into();
    let site = site::SiteAssets::discover(&mut leptos_options);
    Ok(AppState {
        leptos_options,
        site: Arc::new(site),
        db,
        limits: RateLimits::new(
            config.rate_limit_per_minute,
            config.unauthenticated_writes_per_minute,
        ),
        agent_sessions: mcp::agent_sessions::AgentSessions::new(&config),
        config: Arc::new(config),
        clock,
        catalogue: Arc::new(catalogue),
        passwords: PasswordHasher::new(),
        shutdown: tokio_util::sync::CancellationToken::new(),
    })
}

/// The whole application as a router: pure, so tests can drive it without a socket.
pub async fn app(state: AppState) -> anyhow::Result<Router> {
    let store = housekeeping::session_store(&state)?;
    store.migrate().await?;
    let sessions = SessionManagerLayer::new(store)
        .with_name(SESSION_COOKIE)
        .with_secure(state.config.public_url.scheme() == "https")
        .with_same_site(SameSite::Lax)
        .with_http_only(true)
        .with_expiry(Expiry::OnInactivity(auth::session::SIGNED_IN_IDLE));

    let routes = generate_route_list(App);
    let portal = Router::new()
        .route("/logout", post(logout))
        .route("/oauth2/authorize/decision", post(oauth::authorize::decide))
        .leptos_routes_with_context(
            &state,
            routes,
            {
                let state = state.clone();
                move || {
                    provide_context(state.clone());
                    web::headers::provide_page_csp();
                }
            },
            {
                let (options, stylesheet) =
                    (state.leptos_options.clone(), state.site.stylesheet.clone());
                move || shell(options.clone(), stylesheet.clone())
            },
        )
        .layer(from_fn_with_state(
            state.clone(),
            web::form_answers::server_fn_answers,
        ))
        .layer(from_fn_with_state(
            state.config.clone(),
            web::origin::same_origin_posts,
        ))
        .layer(sessions)
        .layer(axum::middleware::from_fn(
            web::unsaved_session::unsaved_session_is_unavailable,
        ));

    Ok(Router::new()
        .route("/healthz", get(healthz))
        .merge(oauth::router())
        .merge(mcp::router(&state))
        .merge(state.site.router())
        .merge(portal)
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>({
            let stylesheet = state.site.stylesheet.clone();
            move |options| shell(options, stylesheet.clone())
        }))
        .layer(from_fn_with_state(
            state.config.clone(),
            web::body_limit::limit_body,
        ))
        .layer(from_fn_with_state(
            state.config.clone(),
            web::headers::security_headers,
        ))
        .layer(from_fn_with_state(
            state.config.clone(),
            web::client_addr::resolve,
        ))
        .with_state(state))
}

/// `POST /logout`: ends the session on the server.
async fn logout(session: Session) -> impl IntoResponse {
    if let Err(err) = auth::session::sign_out(&session).await {
        tracing::error!(%err, "could not end a session");
    }
    Redirect::to("/login")
}

/// `GET /healthz`: 200 when the database answers.
async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match sqlx::query("SELECT 1").execute(&state.db).await {
        Ok(_) => (StatusCode::OK, "ok").into_response(),
        Err(err) => {
            tracing::error!(%err, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(axum::http::header::RETRY_AFTER, db::BUSY_RETRY_AFTER)],
                "database unavailable",
            )
                .into_response()
        }
    }
}

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

/// `agent-connect user create`: makes an account, reading the password from standard input.
pub async fn create_user(database_url: &str, email: &str) -> anyhow::Result<()> {
    use std::io::BufRead;
    let mut password = String::new();
    std::io::stdin().lock().read_line(&mut password)?;
    let password = password.trim_end_matches(['\r', '\n']);
    let state = build_state(ServeConfig::defaults(database_url), Arc::new(SystemClock)).await?;
    let user = accounts::create(&state, email, password, None).await?;
    println!("Created account {} ({})", user.email, user.id);
    Ok(())
}
