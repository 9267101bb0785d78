//! `rate_limits`: token buckets shared by every instance, as the generic cell rate algorithm
//! (GCRA) keeps them: one theoretical arrival time per key, in microseconds.

use sqlx::Executor;

use super::Db;

/// Takes one cell from the bucket `key`, in one statement: `interval` microseconds per cell,
/// at most `tolerance` microseconds of credit ahead of `now` (the burst, less one cell).
/// `Ok(None)` when the cell was taken, else the microseconds until one is free.
pub async fn take<'e, E>(
    db: E,
    key: &str,
    now: i64,
    interval: i64,
    tolerance: i64,
) -> Result<Option<i64>, sqlx::Error>
where
    E: Executor<'e, Database = Db> + Copy,
{
    let taken: Option<i64> = sqlx::query_scalar(
        "INSERT INTO rate_limits (key, tat) VALUES ($1, $2 + $3) \
         ON CONFLICT (key) DO UPDATE \
         SET tat = (CASE WHEN rate_limits.tat > $2 THEN rate_limits.tat ELSE $2 END) + $3 \
         WHERE rate_limits.tat - $2 <= $4 \
         RETURNING tat",
    )
    .bind(key)
    .bind(now)
    .bind(interval)
    .bind(tolerance)
    .fetch_optional(db)
    .await?;
    if taken.is_some() {
        return Ok(None);
    }
    let tat: Option<i64> = sqlx::query_scalar("SELECT tat FROM rate_limits WHERE key = $1")
        .bind(key)
        .fetch_optional(db)
        .await?;
    Ok(Some(tat.map_or(0, |tat| (tat - now - tolerance).max(1))))
}

/// Deletes full buckets: those whose time has passed.
pub async fn delete_full<'e>(
    db: impl Executor<'e, Database = Db>,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM rate_limits WHERE tat <= $1")
        .bind(now)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}

/// How many buckets are stored.
pub async fn count<'e>(db: impl Executor<'e, Database = Db>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM rate_limits")
        .fetch_one(db)
        .await
}
