//! Agent Connect's integration tests, linked as one binary with one module per area.
//!
//! - `db`: each table module's verbs against a real, migrated database;
//! - `instances`: two servers on one database, behaving as one;
//! - `endpoints`: the external endpoints through `oneshot` on the router, without a socket;
//! - the other modules: a real server on a loopback port (and, for `cli` and `crash`, the
//!   built binary), driven as agents, browsers and resource servers drive it.
//!
//! Every test gets a fresh SQLite file, or with `AGENT_CONNECT_TEST_POSTGRES` set a fresh
//! schema on that PostgreSQL server: `make test` runs the suite both ways.

mod support;

mod agent_code_grant;
mod agents;
mod authorization_code;
mod authorize_refusals;
mod bad_input;
mod cli;
mod client_metadata;
mod concurrency;
mod confirmation;
mod crash;
mod db;
mod device_flow;
mod endpoints;
mod instances;
mod lifetimes;
mod limits;
mod mcp;
mod portal;
mod refresh_and_introspection;
mod registration;
