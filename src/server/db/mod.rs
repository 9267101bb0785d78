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
pub mod ids;
pub mod mcp_sessions;
pub mod rate_limits;
pub mod sandbox_orders;
pub mod tokens;
pub mod users;

mod backend;
pub mod portal_sessions;

pub use backend::{BUSY_RETRY_AFTER, Backend, connect, is_busy, migrations_applied};

/// The database seen through sqlx's `Any` driver: SQLite or PostgreSQL, chosen at start-up by
/// the URL's scheme, so one binary serves both.
pub type Db = sqlx::Any;
/// A pool of connections to it.
pub type Pool = sqlx::AnyPool;
/// One connection, as a transaction derefs to.
pub type Conn = sqlx::AnyConnection;

/// How long a row that expired is kept before housekeeping deletes it: a day, so a late
/// retry still finds it and is told "expired" rather than "unknown".
pub const EXPIRED_KEPT_FOR: i64 = 86_400;

/// Runs one of the tables' pruning statements (`DELETE … WHERE <time> < $1`) with `cutoff`
/// and says how many rows went.
async fn delete_before<'e>(
    db: impl sqlx::Executor<'e, Database = Db>,
    statement: &'static str,
    cutoff: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(statement).bind(cutoff).execute(db).await?;
    Ok(done.rows_affected())
}

/// The placeholders of a statement built for many rows, handed out in the order the values
/// are bound: `?` on SQLite, `$1, $2, …` on PostgreSQL. (SQLite looks a numbered or named
/// placeholder up by a scan of those before it: quadratic in a statement of hundreds.)
struct Placeholders {
    numbered: bool,
    next: usize,
}

impl Placeholders {
    fn for_backend(backend: Backend) -> Self {
        Self {
            numbered: backend == Backend::Postgres,
            next: 1,
        }
    }

    fn for_connection(conn: &Conn) -> Self {
        Self::for_backend(Backend::of_connection(conn))
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

    /// What follows `INSERT INTO table (columns)` for `rows` rows of `columns` values. On
    /// SQLite the rows whose first value is NULL are skipped: they pad a [`ManyRows`] chunk.
    fn values(&mut self, rows: usize, columns: usize) -> String {
        let rows = self.rows(rows, columns);
        if self.numbered {
            format!("VALUES {rows}")
        } else {
            format!("SELECT * FROM (VALUES {rows}) WHERE column1 IS NOT NULL")
        }
    }
}

/// Row counts a [`ManyRows`] statement is written for on SQLite.
const CHUNK_SIZES: [usize; 3] = [1, 8, 64];

/// A statement written for many rows at once (one round trip to the database for all of
/// them). On SQLite the rows go in chunks of a few fixed sizes, the last chunk padded with
/// rows of NULLs that the statement skips, so that each size is one text, prepared once per
/// connection and kept: statements written for however many rows a batch held had SQLite
/// parse a new text for every batch, an eighth of the work of a redemption. PostgreSQL, which
/// redeems one code per transaction, gets exactly the rows, with numbered placeholders.
struct ManyRows {
    /// The statement for `rows` rows, from the backend's placeholders.
    build: fn(&mut Placeholders, usize) -> String,
    sqlite: [std::sync::OnceLock<String>; CHUNK_SIZES.len()],
}

/// One statement of a [`ManyRows`]: which rows it takes, how many padding rows follow them
/// (each all NULLs), and its text.
struct Chunk {
    rows: std::ops::Range<usize>,
    padding: usize,
    sql: std::borrow::Cow<'static, str>,
}

impl ManyRows {
    const fn new(build: fn(&mut Placeholders, usize) -> String) -> Self {
        Self {
            build,
            sqlite: [const { std::sync::OnceLock::new() }; CHUNK_SIZES.len()],
        }
    }

    /// The statements that take `rows` rows on `conn`'s backend, in order.
    fn chunks(&'static self, conn: &Conn, rows: usize) -> Vec<Chunk> {
        let backend = Backend::of_connection(conn);
        if rows == 0 {
            return Vec::new();
        }
        if backend == Backend::Postgres {
            return vec![Chunk {
                rows: 0..rows,
                padding: 0,
                sql: (self.build)(&mut Placeholders::for_backend(backend), rows).into(),
            }];
        }
        let mut start = 0;
        chunk_sizes(rows)
            .into_iter()
            .map(|(taken, size)| {
                let slot = CHUNK_SIZES
                    .iter()
                    .position(|s| *s == size)
                    .expect("a chunk size");
                let sql = self.sqlite[slot]
                    .get_or_init(|| (self.build)(&mut Placeholders::for_backend(backend), size));
                start += taken;
                Chunk {
                    rows: start - taken..start,
                    padding: size - taken,
                    sql: sql.as_str().into(),
                }
            })
            .collect()
    }
}

/// How SQLite takes `rows` rows: chunks of as many as the largest size holds, each padded up
/// to the smallest size that holds it, as (rows taken, size).
fn chunk_sizes(rows: usize) -> Vec<(usize, usize)> {
    let largest = CHUNK_SIZES[CHUNK_SIZES.len() - 1];
    let mut chunks = Vec::new();
    let mut left = rows;
    while left > 0 {
        let taken = left.min(largest);
        let size = CHUNK_SIZES
            .into_iter()
            .find(|size| *size >= taken)
            .unwrap_or(largest);
        chunks.push((taken, size));
        left -= taken;
    }
    chunks
}

/// Binds `n` NULLs: the values of a chunk's padding rows.
fn pad<'q>(
    mut query: sqlx::query::Query<'q, Db, sqlx::any::AnyArguments<'q>>,
    n: usize,
) -> sqlx::query::Query<'q, Db, sqlx::any::AnyArguments<'q>> {
    for _ in 0..n {
        query = query.bind(None::<String>);
    }
    query
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn many_rows_go_in_chunks_of_fixed_sizes_on_sqlite() {
        let sizes = |rows| {
            chunk_sizes(rows)
                .into_iter()
                .map(|(taken, size)| format!("{taken}/{size}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(sizes(0), "");
        assert_eq!(sizes(1), "1/1");
        assert_eq!(sizes(2), "2/8");
        assert_eq!(sizes(8), "8/8");
        assert_eq!(sizes(9), "9/64");
        assert_eq!(sizes(64), "64/64");
        assert_eq!(sizes(130), "64/64 64/64 2/8");
    }
}
