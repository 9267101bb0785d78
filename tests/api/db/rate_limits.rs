//! `db::rate_limits`: the shared buckets' GCRA step, on either backend, raced by many tasks.

use agent_connect::server::db::rate_limits;

use super::{RACERS, TestDb, race};

/// Ten a minute with bursts of ten: a cell every 6 s, up to 54 s ahead.
const INTERVAL: i64 = 6_000_000;
const TOLERANCE: i64 = 54_000_000;
const NOW: i64 = 1_800_000_000_000_000;

#[tokio::test]
async fn a_bucket_gives_its_burst_then_says_how_long_to_wait_and_refills() {
    let db = TestDb::new().await;
    for _ in 0..10 {
        let taken = rate_limits::take(&db.pool, "sign_in:192.0.2.1", NOW, INTERVAL, TOLERANCE);
        assert_eq!(taken.await.unwrap(), None);
    }
    let wait = rate_limits::take(&db.pool, "sign_in:192.0.2.1", NOW, INTERVAL, TOLERANCE)
        .await
        .unwrap();
    assert_eq!(
        wait,
        Some(INTERVAL),
        "the next cell is free in one interval"
    );
    // Another key has its own bucket.
    let other = rate_limits::take(&db.pool, "sign_in:192.0.2.2", NOW, INTERVAL, TOLERANCE);
    assert_eq!(other.await.unwrap(), None);
    // One interval later, one more.
    let later = NOW + INTERVAL;
    let taken = rate_limits::take(&db.pool, "sign_in:192.0.2.1", later, INTERVAL, TOLERANCE);
    assert_eq!(taken.await.unwrap(), None);
    let taken = rate_limits::take(&db.pool, "sign_in:192.0.2.1", later, INTERVAL, TOLERANCE);
    assert!(taken.await.unwrap().is_some());

    // Full buckets are pruned; a bucket still counting is kept.
    assert_eq!(
        rate_limits::delete_full(&db.pool, NOW + 2 * INTERVAL)
            .await
            .unwrap(),
        1
    );
    assert_eq!(rate_limits::count(&db.pool).await.unwrap(), 1);
    assert_eq!(
        rate_limits::delete_full(&db.pool, NOW + 3_600_000_000)
            .await
            .unwrap(),
        1
    );
}

/// Many tasks (instances) taking from one bucket at the same moment: exactly the burst wins.
#[tokio::test]
async fn racing_takers_get_exactly_the_burst() {
    let db = TestDb::new().await;
    let burst = 5;
    let wins = race(&db.pool, |pool, _| async move {
        let waited = rate_limits::take(
            &pool,
            "redeem_code:192.0.2.9",
            NOW,
            INTERVAL,
            INTERVAL * (burst - 1),
        )
        .await?;
        Ok(waited.is_none().then_some(()))
    })
    .await;
    assert!(RACERS > burst as usize);
    assert_eq!(wins, burst as usize);
}
