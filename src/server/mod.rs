//! Everything that runs only on the server, in four kinds of room:
//!
//! - `app/`: the application's plumbing: configuration, start-up, serving, routing, state,
//!   telemetry, the built site, health and housekeeping;
//! - `domain/`: the rules and lifecycles of grants, agent codes, devices, accounts and the
//!   security log, which every protocol and page asks;
//! - `oauth/`, `mcp/`, `web/`, `auth/`, `download/`: the protocols and the portal's edge, which
//!   translate their wire formats and call the domain;
//! - `db/`: one module per table, verb-named functions, no rules.

pub mod app;
pub mod auth;
pub mod db;
pub mod domain;
pub mod download;
pub mod mcp;
pub mod oauth;
pub mod web;

pub use app::router::app;
pub use app::serve::serve;
pub use app::startup::build_state;
pub use app::user_command::create_user;
