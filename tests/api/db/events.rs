//! `db::events`: each account's security log, read newest first and pruned past the retention.

use agent_connect::server::db::events::{self, EventKind};

use super::{NOW, TestDb};
use crate::support::rows;

/// A database with the accounts `ada` and `bob`.
async fn with_people() -> TestDb {
    let db = TestDb::new().await;
    rows::user(&db.pool, "ada", NOW).await;
    rows::user(&db.pool, "bob", NOW).await;
    db
}

async fn record(db: &TestDb, user_id: &str, kind: EventKind, detail: &str, now: i64) {
    events::record(&db.pool, user_id, kind, detail, Some("127.0.0.1"), now)
        .await
        .unwrap();
}

#[tokio::test]
async fn an_account_reads_its_own_events_newest_first_in_writing_order() {
    let db = with_people().await;
    record(&db, "usr_ada", EventKind::SignedUp, "Account created", NOW).await;
    record(
        &db,
        "usr_ada",
        EventKind::CodeIssued,
        "For any agent: quote",
        NOW + 5,
    )
    .await;
    record(
        &db,
        "usr_ada",
        EventKind::CodeRedeemed,
        "Claude was granted quote",
        NOW + 5,
    )
    .await;
    record(&db, "usr_bob", EventKind::SignedIn, "Signed in", NOW + 6).await;

    let log = events::list_recent(&db.pool, "usr_ada", 10).await.unwrap();
    let read: Vec<_> = log
        .iter()
        .map(|e| (e.kind, e.detail.as_str(), e.created_at))
        .collect();
    assert_eq!(
        read,
        [
            (EventKind::CodeRedeemed, "Claude was granted quote", NOW + 5),
            (EventKind::CodeIssued, "For any agent: quote", NOW + 5),
            (EventKind::SignedUp, "Account created", NOW),
        ]
    );

    let latest = events::list_recent(&db.pool, "usr_ada", 1).await.unwrap();
    assert_eq!(latest.len(), 1);
    assert_eq!(latest[0].kind, EventKind::CodeRedeemed);
    assert!(
        events::list_recent(&db.pool, "usr_nobody", 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn events_older_than_the_cutoff_are_deleted() {
    let db = with_people().await;
    let cutoff = NOW + 1_000;
    record(
        &db,
        "usr_ada",
        EventKind::SignedUp,
        "Account created",
        cutoff - 1,
    )
    .await;
    record(
        &db,
        "usr_bob",
        EventKind::SignedUp,
        "Account created",
        cutoff - 500,
    )
    .await;
    record(&db, "usr_ada", EventKind::SignedIn, "Signed in", cutoff).await;
    record(
        &db,
        "usr_ada",
        EventKind::GrantRevoked,
        "Access revoked",
        cutoff + 1,
    )
    .await;

    assert_eq!(
        events::delete_older_than(&db.pool, cutoff).await.unwrap(),
        2
    );
    let kept: Vec<_> = events::list_recent(&db.pool, "usr_ada", 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.created_at)
        .collect();
    assert_eq!(kept, [cutoff + 1, cutoff]);
    assert_eq!(db.count("security_events").await, 2);
}
