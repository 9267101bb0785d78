//! All SQL lives here, one module per table. Queries are written once with `$1..$n`
//! placeholders and run on either backend; functions take any executor, so the
//! caller decides what shares a transaction.

pub mod activity;
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

pub use backend::{
    BUSY_RETRY_AFTER, Backend, checkpoint_in_background, connect, is_busy, migrations_applied,
};

/// The database seen through sqlx's `Any` driver: SQLite or PostgreSQL, chosen at start-up by
/// the URL's scheme, so one binary serves both.
pub type Db = sqlx::Any;
/// A pool of connections to it.
pub type Pool = sqlx::AnyPool;
/// One connection, as a transaction derefs to.
pub type Conn = sqlx::AnyConnection;

/// The placeholders of a statement built for many rows, handed out in the order the values
/// are bound: `?` on SQLite, `$1, $2, …` on PostgreSQL. (SQLite looks a numbered or named
/// placeholder up by a scan of those before it: quadratic in a statement of hundreds.) Several
/// rows go in one statement, one round trip; such statements are not kept prepared, since
/// their sizes vary.
struct Placeholders {
    numbered: bool,
    next: usize,
}

impl Placeholders {
    fn for_connection(conn: &Conn) -> Self {
        Self {
            numbered: Backend::of_connection(conn) == Backend::Postgres,
            next: 1,
        }
    }

    /// The next placeholder.
    fn one(&mut self) -> String {
        if !self.numbered {
            return "?".into();
        }
        self.next += 1;
        format!("${}", self.next - 1)
    }

    /// `rows` rows of `columns` placeholders: `(?, ?), (?, ?)`.
    fn rows(&mut self, rows: usize, columns: usize) -> String {
        (0..rows)
            .map(|_| {
                let row: Vec<String> = (0..columns).map(|_| self.one()).collect();
                format!("({})", row.join(", "))
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::Placeholders;

    #[test]
    fn placeholders_follow_the_backend() {
        let mut numbered = Placeholders {
            numbered: true,
            next: 1,
        };
        assert_eq!(numbered.one(), "$1");
        assert_eq!(numbered.rows(2, 2), "($2, $3), ($4, $5)");
        let mut anonymous = Placeholders {
            numbered: false,
            next: 1,
        };
        assert_eq!(anonymous.rows(2, 3), "(?, ?, ?), (?, ?, ?)");
    }
}
