//! Access tokens known to be live, kept in memory so that a Bearer check at `/mcp` or an
//! introspection reads nothing from the database, and the use of grants recorded without a
//! write per request.
//!
//! Revocation stays visible on the very next request: every revocation, after it commits,
//! moves [`LiveTokens::revoked`] the revocation counter on, and a remembered token counts only
//! if it was read from the database under the current count. (The count is read *before* the
//! database, so a read that races a revocation is never remembered as live.) A remembered
//! token also stops counting at its own expiry.
//!
//! Only on SQLite, where one process serves the database and so sees every revocation. On
//! PostgreSQL, instances revoke each other's grants, and every check reads the database.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use quick_cache::sync::Cache;

use crate::server::db::Pool;
use crate::server::db::grants;
use crate::server::db::tokens::{self, ActiveToken, TokenKind};

/// How many live tokens are remembered; beyond that the cache drops the least used.
const REMEMBERED: usize = 10_000;
/// A grant's last-used time is written at most this often, in seconds.
const TOUCH_INTERVAL: i64 = 60;
/// How many grants the touch memory holds before it forgets the stale ones.
const TOUCH_MEMORY: usize = 10_000;

/// Live access tokens by hash, and when grants were last recorded as used; cheap to clone.
#[derive(Clone)]
pub struct LiveTokens {
    inner: Arc<Inner>,
}

struct Inner {
    /// `None` where other processes may revoke (PostgreSQL).
    remembered: Option<Cache<String, Remembered>>,
    revocations: AtomicU64,
    /// Grant id to the clock second its last-used time was last written by this instance.
    touched: Mutex<HashMap<String, i64>>,
}

#[derive(Clone)]
struct Remembered {
    token: ActiveToken,
    /// The revocation count when the token was read.
    revocations: u64,
}

impl LiveTokens {
    /// `remember`: whether this process sees every revocation of the database (SQLite).
    pub fn new(remember: bool) -> Self {
        Self {
            inner: Arc::new(Inner {
                remembered: remember.then(|| Cache::new(REMEMBERED)),
                revocations: AtomicU64::new(0),
                touched: Mutex::default(),
            }),
        }
    }

    /// The live token with this hash, if any (as [`tokens::find_active`]).
    pub async fn find(
        &self,
        db: &Pool,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<ActiveToken>, sqlx::Error> {
        let Some(remembered) = &self.inner.remembered else {
            return tokens::find_active(db, token_hash, now).await;
        };
        let count = self.inner.revocations.load(Ordering::SeqCst);
        if let Some(hit) = remembered.get(token_hash)
            && hit.revocations == count
            && hit.token.expires_at > now
        {
            return Ok(Some(hit.token));
        }
        let found = tokens::find_active(db, token_hash, now).await?;
        if let Some(token) = &found
            && token.kind == TokenKind::Access
        {
            remembered.insert(
                token_hash.to_owned(),
                Remembered {
                    token: token.clone(),
                    revocations: count,
                },
            );
        }
        Ok(found)
    }

    /// Forgets every remembered token: called after each revocation commits.
    pub fn revoked(&self) {
        self.inner.revocations.fetch_add(1, Ordering::SeqCst);
    }

    /// Records that the grant was used now, from `addr` when known (a resource server asking
    /// about a token is not the agent), at most once a minute per grant and instance.
    pub async fn record_use(&self, db: &Pool, grant_id: &str, addr: Option<IpAddr>, now: i64) {
        if !self.touch_due(grant_id, now) {
            return;
        }
        let addr = addr.map(|a| a.to_string());
        if let Err(err) = grants::touch(db, grant_id, addr.as_deref(), now).await {
            tracing::warn!(%err, grant = %grant_id, "could not record the use of a grant");
        }
    }

    /// Whether this instance should write the grant's last-used time now; remembers that it did.
    fn touch_due(&self, grant_id: &str, now: i64) -> bool {
        let mut touched = self
            .inner
            .touched
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if touched
            .get(grant_id)
            .is_some_and(|&at| now - at < TOUCH_INTERVAL)
        {
            return false;
        }
        if touched.len() >= TOUCH_MEMORY {
            touched.retain(|_, at| now - *at < TOUCH_INTERVAL);
        }
        touched.insert(grant_id.to_owned(), now);
        true
    }
}
