//! All SQL lives here, one module per table. Queries are written once with `$1..$n`
//! placeholders and run on either backend; functions take any executor, so the
//! caller decides what shares a transaction.

pub mod agent_codes;
pub mod authorization_codes;
pub mod clients;
pub mod columns;
pub mod device_codes;
pub mod events;
pub mod grants;
pub mod mcp_sessions;
pub mod rate_limits;
pub mod sandbox_orders;
pub mod tokens;
pub mod users;

mod backend;
pub mod sessions;

pub use backend::{BUSY_RETRY_AFTER, Backend, connect, is_busy, migrations_applied};

/// The database seen through sqlx's `Any` driver: SQLite or PostgreSQL, chosen at start-up by
/// the URL's scheme, so one binary serves both.
pub type Db = sqlx::Any;
/// A pool of connections to it.
pub type Pool = sqlx::AnyPool;
/// One connection, as a transaction derefs to.
pub type Conn = sqlx::AnyConnection;
