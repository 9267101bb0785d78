//! How many processes serve the database, decided once at start-up. Three strategies hang on
//! it: where one process owns the database (SQLite) it batches code redemptions through one
//! writer, remembers live tokens in memory (it sees every revocation) and counts rate limits in
//! memory; where several instances share it (PostgreSQL behind a load balancer) each redemption
//! commits on its own, every token check reads the database, and rate limits are counted in it.

use crate::server::db::Backend;

/// Who else writes the database this process serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topology {
    /// This process alone: what it has not written, nobody has.
    OwnsDatabase,
    /// Several instances share it: another may revoke, redeem or count at any time.
    SharesDatabase,
}

impl Topology {
    /// SQLite is one process's file; PostgreSQL is served to every instance.
    pub fn of(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => Topology::OwnsDatabase,
            Backend::Postgres => Topology::SharesDatabase,
        }
    }

    /// Whether this process sees every change to the database, so that what it remembers
    /// stays true until it changes it itself.
    pub fn owns_database(self) -> bool {
        self == Topology::OwnsDatabase
    }
}
