//! `db::authorization_codes`: codes of the authorization code grant, found in any state and
//! consumed by one conditional statement.

use agent_connect::server::db::authorization_codes;

use super::{NOW, TestDb, race};
use crate::support::rows;

/// A database with a client, the account `ada` and one unused code, `code_hash`, issued at
/// [`NOW`].
async fn with_code() -> TestDb {
    let db = TestDb::new().await;
    let ada = rows::user(&db.pool, "ada", NOW).await;
    rows::client(&db.pool, "client_app", "authorization_code", NOW).await;
    let code = rows::authorization_code_row("code_hash", "client_app", &ada.id, NOW);
    authorization_codes::insert(&db.pool, &code).await.unwrap();
    db
}

#[tokio::test]
async fn an_inserted_code_is_found_unused() {
    let db = with_code().await;
    let found = authorization_codes::find(&db.pool, "code_hash")
        .await
        .unwrap()
        .expect("found");
    let issued = rows::authorization_code_row("code_hash", "client_app", "usr_ada", NOW);
    assert_eq!(found.client_id, issued.client_id);
    assert_eq!(found.user_id, issued.user_id);
    assert_eq!(found.redirect_uri, issued.redirect_uri);
    assert_eq!(found.code_challenge, issued.code_challenge);
    assert_eq!(found.scopes, issued.scopes);
    assert_eq!(found.resource, issued.resource);
    assert_eq!((found.created_at, found.expires_at), (NOW, NOW + 60));
    assert_eq!((found.used_at, found.grant_id), (None, None));
    assert!(
        authorization_codes::find(&db.pool, "other_hash")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_code_is_consumed_once_and_remembers_its_grant() {
    let db = with_code().await;
    let used = authorization_codes::consume(&db.pool, "code_hash", "gr_1", NOW + 5)
        .await
        .unwrap()
        .expect("first use");
    assert_eq!(used.used_at, Some(NOW + 5));
    assert_eq!(used.grant_id.as_deref(), Some("gr_1"));
    assert_eq!(used.scopes.to_string(), rows::SCOPES);

    assert!(
        authorization_codes::consume(&db.pool, "code_hash", "gr_2", NOW + 6)
            .await
            .unwrap()
            .is_none(),
        "second use"
    );
    let found = authorization_codes::find(&db.pool, "code_hash")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.used_at, Some(NOW + 5));
    assert_eq!(
        found.grant_id.as_deref(),
        Some("gr_1"),
        "the second use changed nothing"
    );
}

#[tokio::test]
async fn a_code_is_usable_until_the_second_before_it_expires() {
    let db = with_code().await;
    assert!(
        authorization_codes::consume(&db.pool, "code_hash", "gr_1", NOW + 60)
            .await
            .unwrap()
            .is_none(),
        "at expiry"
    );
    let found = authorization_codes::find(&db.pool, "code_hash")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.used_at, None);
    assert!(
        authorization_codes::consume(&db.pool, "code_hash", "gr_1", NOW + 59)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn codes_expired_more_than_a_day_ago_are_deleted() {
    let db = TestDb::new().await;
    let ada = rows::user(&db.pool, "ada", NOW).await;
    rows::client(&db.pool, "client_app", "authorization_code", NOW).await;
    // Expiry 60 s after issue: these expire 86,401 s, 86,400 s and 0 s before `now`.
    let now = NOW + 60 + 86_401;
    for (hash, issued) in [("old", NOW), ("day_old", NOW + 1), ("fresh", now - 60)] {
        let code = rows::authorization_code_row(hash, "client_app", &ada.id, issued);
        authorization_codes::insert(&db.pool, &code).await.unwrap();
    }
    assert_eq!(
        authorization_codes::delete_expired(&db.pool, now)
            .await
            .unwrap(),
        1
    );
    assert!(
        authorization_codes::find(&db.pool, "old")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(db.count("authorization_codes").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_many_simultaneous_exchanges_exactly_one_consumes_the_code() {
    let db = with_code().await;
    let wins = race(&db.pool, |pool, i| async move {
        let mut tx = pool.begin().await?;
        let row = authorization_codes::consume(&mut *tx, "code_hash", &format!("gr_{i}"), NOW + 1)
            .await?;
        tx.commit().await?;
        Ok(row)
    })
    .await;
    assert_eq!(wins, 1);
}
