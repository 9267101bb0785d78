//! The application's plumbing: configuration, start-up, serving, routing, shared state,
//! telemetry, the built site, health checks and housekeeping. It assembles the domain and the
//! protocols; nothing below it imports it, apart from the state handlers share.

pub mod clock;
pub mod config;
pub mod health;
pub mod housekeeping;
pub mod router;
pub mod serve;
pub mod site;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod topology;
pub mod user_command;
