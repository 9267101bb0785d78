//! Agent Connect's integration tests, linked as one binary with one module per area.
//!
//! - `db`: each table module's verbs against a real, migrated SQLite file;
//! - `endpoints`: the external endpoints through `oneshot` on the router, without a socket;
//! - the other modules: a real server on a loopback port (and, for `cli` and `crash`, the
//!   built binary), driven as agents, browsers and resource servers drive it.

mod support;

mod agent_code_grant;
mod authorization_code;
mod bad_input;
mod cli;
mod concurrency;
mod crash;
mod db;
mod device_flow;
mod endpoints;
mod limits;
mod mcp;
mod portal;
mod refresh_and_introspection;
mod registration;
