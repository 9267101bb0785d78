//! The device flow's domain (RFC 8628): the user code a person types, and their decision on
//! the device that shows it. The endpoints (`server/oauth/device.rs`, the device-code grant)
//! and the /device page call these.

pub mod user_code;

use crate::server::db::device_codes::{self, DeviceCodeRow};
use crate::server::db::{Pool, clients};
use crate::server::domain::Actor;
use crate::server::domain::security_log::{self, EventDetail};
use user_code::UserCode;

/// What the person decided about a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Its next poll gets tokens.
    Approve,
    /// Its next poll gets `access_denied`.
    Deny,
}

/// Records the decision of the person `by` names on the live, undecided request behind
/// `user_code`, with its entry in their security log. Returns the request, or `None` when no
/// such request waits.
pub async fn decide(
    db: &Pool,
    user_code: &UserCode,
    decision: Decision,
    by: Actor<'_>,
) -> Result<Option<DeviceCodeRow>, sqlx::Error> {
    let mut tx = db.begin().await?;
    let decided = match decision {
        Decision::Approve => {
            device_codes::approve(&mut *tx, user_code.as_str(), by.user_id, by.at).await?
        }
        Decision::Deny => {
            device_codes::deny(&mut *tx, user_code.as_str(), by.user_id, by.at).await?
        }
    };
    let Some(row) = decided else {
        tx.rollback().await?;
        return Ok(None);
    };
    let client = clients::find(&mut *tx, &row.client_id)
        .await?
        .map_or_else(|| row.client_id.clone(), |c| c.name);
    let scopes = row.scopes.to_string();
    let detail = match decision {
        Decision::Approve => EventDetail::DeviceApproved { client, scopes },
        Decision::Deny => EventDetail::DeviceDenied { client, scopes },
    };
    security_log::record(&mut *tx, by, &detail).await?;
    tx.commit().await?;
    tracing::info!(user_code = ?user_code, user = %by.user_id, client = %row.client_id, ?decision, "device request decided");
    Ok(Some(row))
}
