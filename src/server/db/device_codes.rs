//! `device_codes`: RFC 8628 device authorization requests. The device polls by the hash of
//! its device code; the person decides by the user code. Every change of state is one
//! conditional statement, so two polls or two clicks can never both win.

use sqlx::{Executor, FromRow};

use super::Db;
use crate::scopes::Scopes;

/// A device authorization request as stored.
#[derive(Debug, Clone, FromRow)]
pub struct DeviceCodeRow {
    pub device_code_hash: String,
    /// Normalized: 8 letters, no dash.
    pub user_code: String,
    pub client_id: String,
    pub scopes: Scopes,
    pub created_at: i64,
    pub expires_at: i64,
    pub poll_interval: i64,
    pub last_polled_at: Option<i64>,
    pub user_id: Option<String>,
    pub approved_at: Option<i64>,
    pub denied_at: Option<i64>,
    pub used_at: Option<i64>,
    pub grant_id: Option<String>,
}

const COLUMNS: &str = "device_code_hash, user_code, client_id, scopes, created_at, expires_at, \
     poll_interval, last_polled_at, user_id, approved_at, denied_at, used_at, grant_id";

/// Stores a new request unless its user code belongs to another live one. `false` means the
/// user code is taken: draw another and try again. The unique index on `user_code` decides,
/// in one statement, so two instances drawing the same code cannot both store it; the row of
/// an expired request with the same code is taken over (its device then gets `invalid_grant`
/// rather than `expired_token`, a day before pruning would have deleted it anyway).
pub async fn insert<'e>(
    db: impl Executor<'e, Database = Db>,
    row: &DeviceCodeRow,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO device_codes (device_code_hash, user_code, client_id, scopes, created_at, expires_at, poll_interval) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (user_code) DO UPDATE SET device_code_hash = excluded.device_code_hash, \
         client_id = excluded.client_id, scopes = excluded.scopes, created_at = excluded.created_at, \
         expires_at = excluded.expires_at, poll_interval = excluded.poll_interval, \
         last_polled_at = NULL, user_id = NULL, approved_at = NULL, denied_at = NULL, \
         used_at = NULL, grant_id = NULL \
         WHERE device_codes.expires_at <= excluded.created_at",
    )
    .bind(&row.device_code_hash)
    .bind(&row.user_code)
    .bind(&row.client_id)
    .bind(&row.scopes)
    .bind(row.created_at)
    .bind(row.expires_at)
    .bind(row.poll_interval)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The live, undecided request with this user code: what the approval page shows.
pub async fn find_pending<'e>(
    db: impl Executor<'e, Database = Db>,
    user_code: &str,
    now: i64,
) -> Result<Option<DeviceCodeRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM device_codes \
         WHERE user_code = $1 AND expires_at > $2 AND approved_at IS NULL AND denied_at IS NULL"
    ))
    .bind(user_code)
    .bind(now)
    .fetch_optional(db)
    .await
}

/// Approves the live, undecided request with this user code for `user_id`.
pub async fn approve<'e>(
    db: impl Executor<'e, Database = Db>,
    user_code: &str,
    user_id: &str,
    now: i64,
) -> Result<Option<DeviceCodeRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE device_codes SET approved_at = $1, user_id = $2 \
         WHERE user_code = $3 AND expires_at > $1 AND approved_at IS NULL AND denied_at IS NULL \
         RETURNING {COLUMNS}"
    ))
    .bind(now)
    .bind(user_id)
    .bind(user_code)
    .fetch_optional(db)
    .await
}

/// Denies the live, undecided request with this user code, as `user_id`.
pub async fn deny<'e>(
    db: impl Executor<'e, Database = Db>,
    user_code: &str,
    user_id: &str,
    now: i64,
) -> Result<Option<DeviceCodeRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE device_codes SET denied_at = $1, user_id = $2 \
         WHERE user_code = $3 AND expires_at > $1 AND approved_at IS NULL AND denied_at IS NULL \
         RETURNING {COLUMNS}"
    ))
    .bind(now)
    .bind(user_id)
    .bind(user_code)
    .fetch_optional(db)
    .await
}

/// RFC 8628 section 3.5: a poll sooner than `poll_interval` after the last one adds 5 s to
/// the interval for the rest of the flow. Returns the new interval if the poll was too soon.
pub async fn slow_down<'e>(
    db: impl Executor<'e, Database = Db>,
    device_code_hash: &str,
    client_id: &str,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE device_codes SET poll_interval = poll_interval + 5, last_polled_at = $1 \
         WHERE device_code_hash = $2 AND client_id = $3 AND used_at IS NULL AND denied_at IS NULL \
         AND expires_at > $1 AND last_polled_at IS NOT NULL AND $1 < last_polled_at + poll_interval \
         RETURNING poll_interval",
    )
    .bind(now)
    .bind(device_code_hash)
    .bind(client_id)
    .fetch_optional(db)
    .await
}

/// Marks an approved request used if, and only if, it is unused and `now < expires_at`, in
/// one statement. `None` means there are no tokens to hand out on this poll.
pub async fn consume<'e>(
    db: impl Executor<'e, Database = Db>,
    device_code_hash: &str,
    client_id: &str,
    grant_id: &str,
    now: i64,
) -> Result<Option<DeviceCodeRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE device_codes SET used_at = $1, last_polled_at = $1, grant_id = $2 \
         WHERE device_code_hash = $3 AND client_id = $4 AND approved_at IS NOT NULL \
         AND used_at IS NULL AND expires_at > $1 \
         RETURNING {COLUMNS}"
    ))
    .bind(now)
    .bind(grant_id)
    .bind(device_code_hash)
    .bind(client_id)
    .fetch_optional(db)
    .await
}

/// Records a poll that got no tokens and returns the request, to tell the device why.
pub async fn record_poll<'e>(
    db: impl Executor<'e, Database = Db>,
    device_code_hash: &str,
    client_id: &str,
    now: i64,
) -> Result<Option<DeviceCodeRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE device_codes SET last_polled_at = $1 \
         WHERE device_code_hash = $2 AND client_id = $3 RETURNING {COLUMNS}"
    ))
    .bind(now)
    .bind(device_code_hash)
    .bind(client_id)
    .fetch_optional(db)
    .await
}

/// Deletes requests that expired more than a day ago.
pub async fn delete_expired<'e>(
    db: impl Executor<'e, Database = Db>,
    now: i64,
) -> Result<u64, sqlx::Error> {
    super::delete_before(
        db,
        "DELETE FROM device_codes WHERE expires_at < $1",
        now - super::EXPIRED_KEPT_FOR,
    )
    .await
}
