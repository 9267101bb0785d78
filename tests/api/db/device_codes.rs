//! `db::device_codes`: RFC 8628 requests, decided once by the person and redeemed once by the
//! device, with the poll interval growing on every `slow_down`.

use crate::support::DEVICE_CODE_GRANT;
use agent_connect::server::db::device_codes;

use super::{NOW, TestDb, race};
use crate::support::rows;

const USER_CODE: &str = "BCDFGHJK";

/// A database with the account `ada`, the client `client_tv` and one request,
/// `device_hash` / [`USER_CODE`], made at [`NOW`] (live until `NOW + 900`, interval 5 s).
async fn with_request() -> (TestDb, String) {
    let db = TestDb::new().await;
    let ada = rows::user(&db.pool, "ada", NOW).await;
    rows::client(&db.pool, "client_tv", DEVICE_CODE_GRANT, NOW).await;
    let row = rows::device_code_row("device_hash", USER_CODE, "client_tv", NOW);
    assert!(device_codes::insert(&db.pool, &row).await.unwrap());
    (db, ada.id.into_string())
}

#[tokio::test]
async fn a_user_code_is_not_reused_while_its_request_lives() {
    let (db, _) = with_request().await;
    let taken = rows::device_code_row("second_hash", USER_CODE, "client_tv", NOW + 899);
    assert!(!device_codes::insert(&db.pool, &taken).await.unwrap());
    let other = rows::device_code_row("third_hash", "MNPQRSTV", "client_tv", NOW + 899);
    assert!(device_codes::insert(&db.pool, &other).await.unwrap());
    let free_again = rows::device_code_row("fourth_hash", USER_CODE, "client_tv", NOW + 900);
    assert!(device_codes::insert(&db.pool, &free_again).await.unwrap());
    // The expired request's row was taken over, fresh: undecided, unpolled.
    assert_eq!(db.count("device_codes").await, 2);
    let found = device_codes::find_pending(&db.pool, USER_CODE, NOW + 901)
        .await
        .unwrap()
        .expect("the new request");
    assert_eq!(found.device_code_hash, "fourth_hash");
    assert_eq!((found.created_at, found.last_polled_at), (NOW + 900, None));
}

/// Requests drawing the same user code at the same moment (two instances, say): the unique
/// index lets exactly one store it.
#[tokio::test]
async fn racing_requests_for_one_user_code_store_it_once() {
    let db = TestDb::new().await;
    rows::client(&db.pool, "client_tv", DEVICE_CODE_GRANT, NOW).await;
    let wins = race(&db.pool, |pool, i| async move {
        let row = rows::device_code_row(&format!("hash_{i}"), USER_CODE, "client_tv", NOW);
        Ok(device_codes::insert(&pool, &row).await?.then_some(()))
    })
    .await;
    assert_eq!(wins, 1);
    assert_eq!(db.count("device_codes").await, 1);
}

#[tokio::test]
async fn a_live_undecided_request_is_found_by_its_user_code() {
    let (db, user_id) = with_request().await;
    let found = device_codes::find_pending(&db.pool, USER_CODE, NOW + 899)
        .await
        .unwrap()
        .expect("pending");
    assert_eq!(found.device_code_hash, "device_hash");
    assert_eq!(found.client_id, "client_tv");
    assert_eq!(found.scopes.to_string(), rows::SCOPES);
    assert_eq!((found.created_at, found.expires_at), (NOW, NOW + 900));
    assert_eq!(found.poll_interval, 5);
    assert_eq!(found.last_polled_at, None);
    assert_eq!(found.user_id, None);

    for (code, now, why) in [
        ("MNPQRSTV", NOW, "another user code"),
        (USER_CODE, NOW + 900, "at expiry"),
    ] {
        assert!(
            device_codes::find_pending(&db.pool, code, now)
                .await
                .unwrap()
                .is_none(),
            "{why}"
        );
    }
    device_codes::approve(&db.pool, USER_CODE, &user_id, NOW + 1)
        .await
        .unwrap()
        .unwrap();
    assert!(
        device_codes::find_pending(&db.pool, USER_CODE, NOW + 2)
            .await
            .unwrap()
            .is_none(),
        "decided"
    );
}

#[tokio::test]
async fn a_request_is_approved_once_and_then_cannot_be_denied() {
    let (db, user_id) = with_request().await;
    let approved = device_codes::approve(&db.pool, USER_CODE, &user_id, NOW + 10)
        .await
        .unwrap()
        .expect("approved");
    assert_eq!(approved.approved_at, Some(NOW + 10));
    assert_eq!(approved.user_id.as_deref(), Some(user_id.as_str()));
    assert_eq!(approved.denied_at, None);
    assert!(
        device_codes::approve(&db.pool, USER_CODE, &user_id, NOW + 11)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        device_codes::deny(&db.pool, USER_CODE, &user_id, NOW + 11)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_request_is_denied_once_and_then_cannot_be_approved_or_redeemed() {
    let (db, user_id) = with_request().await;
    let denied = device_codes::deny(&db.pool, USER_CODE, &user_id, NOW + 10)
        .await
        .unwrap()
        .expect("denied");
    assert_eq!(denied.denied_at, Some(NOW + 10));
    assert_eq!(denied.approved_at, None);
    assert!(
        device_codes::approve(&db.pool, USER_CODE, &user_id, NOW + 11)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        device_codes::consume(&db.pool, "device_hash", "client_tv", "gr_1", NOW + 12)
            .await
            .unwrap()
            .is_none()
    );
    let polled = device_codes::record_poll(&db.pool, "device_hash", "client_tv", NOW + 12)
        .await
        .unwrap()
        .expect("the device learns why");
    assert_eq!(polled.denied_at, Some(NOW + 10));
}

#[tokio::test]
async fn an_expired_request_can_be_neither_decided_nor_redeemed() {
    let (db, user_id) = with_request().await;
    let expiry = NOW + 900;
    assert!(
        device_codes::approve(&db.pool, USER_CODE, &user_id, expiry)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        device_codes::deny(&db.pool, USER_CODE, &user_id, expiry)
            .await
            .unwrap()
            .is_none()
    );
    device_codes::approve(&db.pool, USER_CODE, &user_id, expiry - 1)
        .await
        .unwrap()
        .unwrap();
    assert!(
        device_codes::consume(&db.pool, "device_hash", "client_tv", "gr_1", expiry)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn polling_too_soon_adds_five_seconds_each_time() {
    let (db, _) = with_request().await;
    let slow_down = |now| device_codes::slow_down(&db.pool, "device_hash", "client_tv", now);
    assert_eq!(slow_down(NOW + 1).await.unwrap(), None, "first poll");
    let polled = device_codes::record_poll(&db.pool, "device_hash", "client_tv", NOW + 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(polled.last_polled_at, Some(NOW + 1));

    assert_eq!(slow_down(NOW + 5).await.unwrap(), Some(10), "4 s after");
    assert_eq!(slow_down(NOW + 15).await.unwrap(), None, "10 s after");
    assert_eq!(slow_down(NOW + 14).await.unwrap(), Some(15), "9 s after");
    assert_eq!(
        device_codes::slow_down(&db.pool, "device_hash", "client_other", NOW + 15)
            .await
            .unwrap(),
        None,
        "another client"
    );
    let row = device_codes::record_poll(&db.pool, "device_hash", "client_tv", NOW + 30)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        row.poll_interval, 15,
        "the interval stays for the rest of the flow"
    );
}

#[tokio::test]
async fn a_poll_is_recorded_only_for_the_client_that_asked() {
    let (db, _) = with_request().await;
    for (hash, client) in [("device_hash", "client_other"), ("other_hash", "client_tv")] {
        assert!(
            device_codes::record_poll(&db.pool, hash, client, NOW + 1)
                .await
                .unwrap()
                .is_none(),
            "{hash} {client}"
        );
    }
    let row = device_codes::find_pending(&db.pool, USER_CODE, NOW + 2)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.last_polled_at, None);
}

#[tokio::test]
async fn an_approved_request_is_redeemed_once_by_its_client() {
    let (db, user_id) = with_request().await;
    let consume =
        |client, grant, now| device_codes::consume(&db.pool, "device_hash", client, grant, now);
    assert!(
        consume("client_tv", "gr_1", NOW + 5)
            .await
            .unwrap()
            .is_none(),
        "not approved yet"
    );
    device_codes::approve(&db.pool, USER_CODE, &user_id, NOW + 6)
        .await
        .unwrap()
        .unwrap();
    assert!(
        consume("client_other", "gr_1", NOW + 10)
            .await
            .unwrap()
            .is_none(),
        "another client"
    );
    let used = consume("client_tv", "gr_1", NOW + 10)
        .await
        .unwrap()
        .expect("approved");
    assert_eq!(used.used_at, Some(NOW + 10));
    assert_eq!(used.last_polled_at, Some(NOW + 10));
    assert_eq!(used.grant_id.as_deref(), Some("gr_1"));
    assert_eq!(used.user_id.as_deref(), Some(user_id.as_str()));
    assert!(
        consume("client_tv", "gr_2", NOW + 20)
            .await
            .unwrap()
            .is_none(),
        "second redemption"
    );
    assert_eq!(
        device_codes::slow_down(&db.pool, "device_hash", "client_tv", NOW + 21)
            .await
            .unwrap(),
        None,
        "a used request is never slowed down"
    );
}

#[tokio::test]
async fn requests_expired_more_than_a_day_ago_are_deleted() {
    let db = TestDb::new().await;
    rows::client(&db.pool, "client_tv", DEVICE_CODE_GRANT, NOW).await;
    // Expiry 900 s after the request: these expire 86,401 s, 86,400 s and 0 s before `now`.
    let now = NOW + 900 + 86_401;
    for (hash, code, made) in [
        ("old", "BBBBBBBB", NOW),
        ("day_old", "CCCCCCCC", NOW + 1),
        ("fresh", "DDDDDDDD", now - 900),
    ] {
        let row = rows::device_code_row(hash, code, "client_tv", made);
        assert!(device_codes::insert(&db.pool, &row).await.unwrap());
    }
    assert_eq!(
        device_codes::delete_expired(&db.pool, now).await.unwrap(),
        1
    );
    assert_eq!(db.count("device_codes").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_many_simultaneous_polls_after_approval_exactly_one_gets_the_tokens() {
    let (db, user_id) = with_request().await;
    device_codes::approve(&db.pool, USER_CODE, &user_id, NOW + 1)
        .await
        .unwrap()
        .unwrap();
    let wins = race(&db.pool, |pool, i| async move {
        let mut tx = pool.begin().await?;
        let row = device_codes::consume(
            &mut *tx,
            "device_hash",
            "client_tv",
            &format!("gr_{i}"),
            NOW + 2,
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    })
    .await;
    assert_eq!(wins, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_many_simultaneous_approvals_and_denials_exactly_one_decides() {
    let (db, user_id) = with_request().await;
    let wins = race(&db.pool, |pool, i| {
        let user_id = user_id.clone();
        async move {
            if i % 2 == 0 {
                device_codes::approve(&pool, USER_CODE, &user_id, NOW + 1).await
            } else {
                device_codes::deny(&pool, USER_CODE, &user_id, NOW + 1).await
            }
        }
    })
    .await;
    assert_eq!(wins, 1);
}
