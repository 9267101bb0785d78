//! Redemptions on SQLite, committed together. SQLite takes one writer at a time: redemptions
//! that each began their own transaction queued for its lock, and the slowest waited out the
//! busy handler's back-off (p99 over 250 ms at 1,500 redemptions a second). Here one task owns
//! the writing: it takes every redemption waiting (up to [`MAX_BATCH`]), runs each in one
//! shared transaction, commits once, and only then answers each. Nothing is answered before
//! its commit, so a 200 survives a crash; a failure answers the whole batch, whose codes stay
//! unused.
//!
//! [`redeem_all`] is the redemption itself, which PostgreSQL runs for one request at a time in
//! a transaction of its own.

use std::net::IpAddr;

use tokio::sync::{mpsc, oneshot};

use crate::lifetime::Lifetimes;
use crate::server::db::agent_codes;
use crate::server::db::grants::{Grant, GrantedVia};
use crate::server::db::{self, Conn, Pool};
use crate::server::domain::grant::{self, NewGrant, TokenPair};
use crate::server::domain::secrets::new_ordered_id;

/// Most redemptions committed together.
const MAX_BATCH: usize = 256;
/// Most redemptions waiting for the writer; beyond that a request waits to be queued.
const QUEUE: usize = 4_096;

/// A redemption to run: the code's hash, and what the agent said of itself.
pub struct Redemption {
    pub code_hash: String,
    /// The agent's name, cleaned; the name given on /connect wins.
    pub agent_name: Option<String>,
    /// The software that redeems it, as it named itself, cleaned.
    pub client_software: Option<String>,
    pub addr: IpAddr,
    pub now: i64,
}

/// The grant a redemption created, and its first tokens.
pub type Redeemed = (Grant, TokenPair);

/// Consumes the codes and creates their grants and tokens in the caller's transaction, in a
/// fixed number of statements however many there are: one answer per redemption, in order,
/// `None` (and nothing written) for a code that is unknown, used or expired, or redeemed
/// earlier in the same call.
pub async fn redeem_all(
    tx: &mut Conn,
    redemptions: &[&Redemption],
) -> Result<Vec<Option<Redeemed>>, sqlx::Error> {
    // One clock for the batch: the latest of its requests.
    let Some(now) = redemptions.iter().map(|r| r.now).max() else {
        return Ok(Vec::new());
    };
    let claims: Vec<(String, String)> = redemptions
        .iter()
        .map(|r| (r.code_hash.clone(), grant::new_grant_id().into_string()))
        .collect();
    let mut consumed = agent_codes::consume_many(&mut *tx, &claims, now).await?;
    let mut wins = Vec::with_capacity(claims.len());
    let mut new = Vec::with_capacity(consumed.len());
    for ((code_hash, grant_id), redemption) in claims.into_iter().zip(redemptions) {
        let won = consumed
            .iter()
            .position(|c| c.code.code_hash == code_hash && c.grant_id == grant_id);
        wins.push(won.is_some());
        let Some(won) = won else { continue };
        let row = consumed.swap_remove(won).code;
        let grant = NewGrant {
            user_id: row.user_id.into(),
            // Each redemption makes its own agent client: there is nothing to register first.
            client_id: new_ordered_id("agent_").into(),
            // An agent that gave no name gets none: the pages call it "Unnamed agent" in the
            // reader's language (`security_log::agent_name`).
            agent_name: row
                .agent_name
                .or_else(|| redemption.agent_name.clone())
                .unwrap_or_default(),
            scopes: row.scopes,
            via: GrantedVia::AgentCode,
            resource: None,
            lifetimes: Lifetimes {
                grant: row.lifetime,
                high_risk: row.high_risk_lifetime,
            },
            confirm_within: row.confirm_within,
            client_software: redemption.client_software.clone(),
            home_network: (row.guard_network != 0)
                .then(|| crate::server::domain::network::of(redemption.addr)),
        };
        new.push((grant_id.into(), grant, Some(redemption.addr)));
    }
    let mut created = grant::create_many(tx, new, now).await?.into_iter();
    Ok(wins
        .into_iter()
        .map(|won| if won { created.next() } else { None })
        .collect())
}

type Job = (
    Redemption,
    oneshot::Sender<Result<Option<Redeemed>, sqlx::Error>>,
);

/// The writer's queue; cheap to clone. The writer ends when the last clone is dropped.
#[derive(Clone)]
pub struct GroupCommit {
    jobs: mpsc::Sender<Job>,
}

impl GroupCommit {
    /// Starts the writer on `db`.
    pub fn start(db: Pool) -> Self {
        let (jobs, queue) = mpsc::channel(QUEUE);
        tokio::spawn(write(db, queue));
        Self { jobs }
    }

    /// Redeems in the next batch; `None` when the code cannot be redeemed.
    pub async fn redeem(&self, redemption: Redemption) -> Result<Option<Redeemed>, sqlx::Error> {
        let (done, answer) = oneshot::channel();
        self.jobs
            .send((redemption, done))
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        answer.await.map_err(|_| sqlx::Error::PoolClosed)?
    }
}

async fn write(db: Pool, mut queue: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        // A request whose caller went away is not redeemed for nobody.
        batch.retain(|(_, done)| !done.is_closed());
        if batch.is_empty() {
            continue;
        }
        match commit(&db, &batch).await {
            Ok(outcomes) => {
                for ((_, done), outcome) in batch.drain(..).zip(outcomes) {
                    let _ = done.send(Ok(outcome));
                }
            }
            Err(err) => {
                let busy = db::is_busy(&err);
                if !busy {
                    tracing::error!(%err, size = batch.len(), "a batch of redemptions failed");
                }
                for (_, done) in batch.drain(..) {
                    let _ = done.send(Err(if busy {
                        sqlx::Error::PoolTimedOut
                    } else {
                        sqlx::Error::Protocol(err.to_string())
                    }));
                }
            }
        }
    }
}

/// Runs every redemption of the batch in one transaction and commits it.
async fn commit(db: &Pool, batch: &[Job]) -> Result<Vec<Option<Redeemed>>, sqlx::Error> {
    let redemptions: Vec<&Redemption> = batch.iter().map(|(redemption, _)| redemption).collect();
    let mut tx = db.begin().await?;
    let outcomes = redeem_all(&mut tx, &redemptions).await?;
    tx.commit().await?;
    Ok(outcomes)
}
