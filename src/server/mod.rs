//! Everything that runs only on the server: storage, OAuth and MCP endpoints, sessions, and
//! building and serving the axum application.

pub mod accounts;
pub mod activity;
pub mod auth;
pub mod catalogue;
pub mod clock;
pub mod codes;
pub mod config;
pub mod db;
pub mod download;
pub mod event_detail;
pub mod grant;
pub mod health;
pub mod housekeeping;
pub mod live_tokens;
pub mod mcp;
pub mod network;
pub mod oauth;
pub mod portal;
pub mod ratelimit;
pub mod redirect_uris;
pub mod router;
pub mod serve;
pub mod site;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod tokens;
pub mod user_code;
pub mod user_command;
pub mod web;

pub use router::app;
pub use serve::serve;
pub use startup::build_state;
pub use user_command::create_user;
