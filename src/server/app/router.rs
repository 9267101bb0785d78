//! The whole application as one axum router: the OAuth endpoints, the MCP endpoints, the built
//! site, and the portal (pages, server functions, sign-out, the consent decision) behind its
//! session. Building it is pure, so tests drive it without a socket; [`crate::server::app::serve`] serves it.

use std::sync::LazyLock;

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};
use leptos::prelude::*;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use tower::ServiceBuilder;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::app::{App, shell};
use crate::server::app::health;
use crate::server::app::state::AppState;
use crate::server::auth::{logout, portal_session};
use crate::server::db::portal_sessions::Sessions;
use crate::server::mcp;
use crate::server::oauth;
use crate::server::web::{
    deadline, edge, form_answers, headers, origin, prometheus, unsaved_session,
};

/// The whole application.
///
/// The layer every request passes is put around the routing, not added with `Router::layer`,
/// which wraps each route: each request clones its route's whole stack of
/// services once per layer in it, and a tool call at `/mcp` spent about a tenth of its work
/// copying and dropping boxes. Request metrics stay inside, where the matched route is known.
pub async fn app(state: AppState) -> anyhow::Result<Router> {
    let portal = portal(&state).await?;
    let routes = Router::new()
        .route("/healthz", get(health::ready))
        .route("/healthz/ready", get(health::ready))
        .route("/healthz/live", get(health::live))
        .route("/metrics", get(prometheus::metrics))
        .merge(oauth::router())
        .merge(crate::server::download::router(&state))
        .merge(mcp::router(&state))
        .merge(state.site.router())
        .merge(portal)
        .layer(from_fn(prometheus::track))
        .with_state(state.clone());
    Ok(Router::new().fallback_service(
        ServiceBuilder::new()
            .layer(from_fn_with_state(state.config.clone(), edge::edge))
            .service(routes),
    ))
}

/// The page routes, generated once per process. Generating them sets a process-wide Leptos flag
/// that suspends every resource first polled meanwhile, for good: a page another application in
/// this process was rendering at that moment would never answer.
static PAGE_ROUTES: LazyLock<Vec<AxumRouteListing>> = LazyLock::new(|| generate_route_list(App));

/// The pages and every route that acts on the portal session: behind the session layer, the
/// cross-site check and the shaping of server function answers.
async fn portal(state: &AppState) -> anyhow::Result<Router<AppState>> {
    Ok(Router::new()
        .route("/logout", post(logout::logout))
        .route(
            "/oauth2/authorize/decision",
            post(oauth::authorize::decision::decide),
        )
        .leptos_routes_with_context(
            state,
            PAGE_ROUTES.clone(),
            {
                let state = state.clone();
                move || {
                    provide_context(state.clone());
                    headers::provide_page_csp();
                }
            },
            {
                let (options, stylesheet) =
                    (state.leptos_options.clone(), state.site.stylesheet.clone());
                move || shell(options.clone(), stylesheet.clone())
            },
        )
        // Any other address is the 404 page, inside the session like every page.
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>({
            let stylesheet = state.site.stylesheet.clone();
            move |options| shell(options, stylesheet.clone())
        }))
        .layer(from_fn_with_state(
            deadline::PORTAL_DEADLINE,
            deadline::within,
        ))
        .layer(from_fn_with_state(
            state.clone(),
            form_answers::server_fn_answers,
        ))
        .layer(from_fn_with_state(
            state.config.clone(),
            origin::same_origin_posts,
        ))
        .layer(sessions(state))
        .layer(from_fn(unsaved_session::unsaved_session_is_unavailable)))
}

/// The portal's session cookie: HttpOnly, SameSite=Lax, Secure behind an https public URL.
fn sessions(state: &AppState) -> SessionManagerLayer<Sessions> {
    SessionManagerLayer::new(state.sessions.clone())
        .with_name(portal_session::SESSION_COOKIE)
        .with_secure(state.config.public_url.scheme() == "https")
        .with_same_site(SameSite::Lax)
        .with_http_only(true)
        .with_expiry(Expiry::OnInactivity(portal_session::SIGNED_IN_IDLE))
}
