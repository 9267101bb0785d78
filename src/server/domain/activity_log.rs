//! The activity of each grant (tool calls and refreshes) as its page shows it, counted in
//! memory and written in one statement every couple of seconds, so that a call at `/mcp` never
//! waits for a write. What was counted but not yet written is lost if the process dies; the
//! timeline is a record for the person, not a guarantee.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::server::db::Pool;
use crate::server::db::activity::{self, Activity, ActivityKind};

/// How often counted activity is written.
pub const FLUSH_EVERY: Duration = Duration::from_secs(2);
/// How many distinct rows wait in memory at most; beyond that, new ones are dropped (and the
/// drop logged) until the next write.
const PENDING_ROWS: usize = 10_000;
/// Seconds activity is kept before housekeeping deletes it.
pub const RETENTION: i64 = 7 * 24 * 3_600;

/// Activity counted since the last write; cheap to clone.
#[derive(Clone, Default)]
pub struct ActivityLog {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    pending: Mutex<Pending>,
    /// One write at a time, so that rows are added to the table in the order counted.
    writing: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct Pending {
    rows: HashMap<Key, Count>,
    dropped: u64,
}

/// A row's counts so far; the address is written out only when the row is.
struct Count {
    calls: i64,
    client_ip: Option<IpAddr>,
    first_at: i64,
    last_at: i64,
}

impl Count {
    fn row(&self, key: &Key) -> Activity {
        Activity {
            grant_id: key.grant_id.clone(),
            kind: key.kind,
            name: key.name.clone(),
            minute: key.minute,
            calls: self.calls,
            client_ip: self.client_ip.map(|addr| addr.to_string()),
            first_at: self.first_at,
            last_at: self.last_at,
        }
    }
}

#[derive(Hash, PartialEq, Eq)]
struct Key {
    grant_id: String,
    kind: ActivityKind,
    name: String,
    minute: i64,
}

impl ActivityLog {
    /// Counts one `kind` event named `name` (a tool) for the grant, at `now` from `addr`.
    pub fn record(
        &self,
        grant_id: &str,
        kind: ActivityKind,
        name: &str,
        addr: Option<IpAddr>,
        now: i64,
    ) {
        let key = Key {
            grant_id: grant_id.to_owned(),
            kind,
            name: name.to_owned(),
            minute: now.div_euclid(60),
        };
        let mut pending = self
            .inner
            .pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let full = pending.rows.len() >= PENDING_ROWS;
        if let Some(row) = pending.rows.get_mut(&key) {
            row.calls += 1;
            row.last_at = row.last_at.max(now);
            row.client_ip = addr.or(row.client_ip);
            return;
        }
        if full {
            pending.dropped += 1;
            return;
        }
        let row = Count {
            calls: 1,
            client_ip: addr,
            first_at: now,
            last_at: now,
        };
        pending.rows.insert(key, row);
    }

    /// Writes what was counted. A failed write is logged and its counts dropped: the rows
    /// would only grow while the database refuses them.
    pub async fn flush(&self, db: &Pool) {
        let _turn = self.inner.writing.lock().await;
        let (rows, dropped) = {
            let mut pending = self
                .inner
                .pending
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let dropped = std::mem::take(&mut pending.dropped);
            (std::mem::take(&mut pending.rows), dropped)
        };
        if dropped > 0 {
            tracing::warn!(
                dropped,
                "agent activity over the in-memory limit was not recorded"
            );
        }
        if rows.is_empty() {
            return;
        }
        let rows: Vec<Activity> = rows.iter().map(|(key, count)| count.row(key)).collect();
        let written = async {
            let mut conn = db.acquire().await?;
            activity::add_many(&mut conn, &rows).await
        };
        if let Err(err) = written.await {
            tracing::warn!(%err, rows = rows.len(), "could not record agent activity");
        }
    }

    /// Writes counted activity every [`FLUSH_EVERY`] until `shutdown`, and once more then.
    pub fn spawn_writer(&self, db: Pool, shutdown: CancellationToken) {
        let log = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(FLUSH_EVERY);
            loop {
                tokio::select! {
                    _ = tick.tick() => log.flush(&db).await,
                    () = shutdown.cancelled() => {
                        log.flush(&db).await;
                        return;
                    }
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(log: &ActivityLog) -> Vec<Activity> {
        let pending = log.inner.pending.lock().unwrap();
        let mut rows: Vec<Activity> = pending.rows.iter().map(|(k, c)| c.row(k)).collect();
        rows.sort_by_key(|r| (r.minute, r.name.clone()));
        rows
    }

    #[test]
    fn calls_in_one_minute_are_one_row_with_their_count() {
        let log = ActivityLog::default();
        let addr: IpAddr = "203.0.113.9".parse().unwrap();
        log.record("gr_1", ActivityKind::ToolCall, "whoami", None, 600);
        log.record("gr_1", ActivityKind::ToolCall, "whoami", Some(addr), 659);
        log.record("gr_1", ActivityKind::ToolCall, "whoami", None, 660);
        log.record("gr_1", ActivityKind::ToolCall, "get_quote", None, 601);
        let rows = pending(&log);
        assert_eq!(rows.len(), 3);
        let first = rows
            .iter()
            .find(|r| r.name == "whoami" && r.minute == 10)
            .unwrap();
        assert_eq!((first.calls, first.first_at, first.last_at), (2, 600, 659));
        assert_eq!(first.client_ip.as_deref(), Some("203.0.113.9"));
        assert!(
            rows.iter()
                .any(|r| r.name == "whoami" && r.minute == 11 && r.calls == 1)
        );
    }

    #[test]
    fn memory_is_bounded_and_known_rows_still_count() {
        let log = ActivityLog::default();
        for i in 0..PENDING_ROWS + 5 {
            log.record(&format!("gr_{i}"), ActivityKind::Refresh, "", None, 0);
        }
        log.record("gr_0", ActivityKind::Refresh, "", None, 1);
        let pending = log.inner.pending.lock().unwrap();
        assert_eq!(pending.rows.len(), PENDING_ROWS);
        assert_eq!(pending.dropped, 5);
        assert!(
            pending
                .rows
                .iter()
                .any(|(k, c)| k.grant_id == "gr_0" && c.calls == 2)
        );
    }
}
