//! `db::agent_codes`: one-time agent auth codes, consumed by one conditional statement.

use agent_connect::server::db::agent_codes;
use agent_connect::server::db::grants;

use super::{NOW, TestDb, race};
use crate::support::rows;

/// A database with the account `ada` and one unused code, `code_hash`, issued at [`NOW`].
async fn with_code() -> (TestDb, String) {
    let db = TestDb::new().await;
    let ada = rows::user(&db.pool, "ada", NOW).await;
    agent_codes::insert(&db.pool, &rows::agent_code_row("code_hash", &ada.id, NOW))
        .await
        .unwrap();
    (db, ada.id.into_string())
}

#[tokio::test]
async fn a_code_is_consumed_once_and_returns_what_it_was_issued_for() {
    let (db, user_id) = with_code().await;
    let row = agent_codes::consume(&db.pool, "code_hash", "gr_1", NOW + 10)
        .await
        .unwrap()
        .expect("first use");
    assert_eq!(row.code_hash, "code_hash");
    assert_eq!(row.user_id, user_id);
    assert_eq!(row.scopes.to_string(), rows::SCOPES);
    assert_eq!(row.agent_name.as_deref(), Some("Claude Code"));
    assert_eq!(row.created_at, NOW);
    assert_eq!(row.expires_at, NOW + 300);

    assert!(
        agent_codes::consume(&db.pool, "code_hash", "gr_2", NOW + 11)
            .await
            .unwrap()
            .is_none(),
        "second use"
    );
    assert!(
        agent_codes::consume(&db.pool, "other_hash", "gr_3", NOW + 11)
            .await
            .unwrap()
            .is_none(),
        "unknown code"
    );
}

/// Several codes in one statement: each consumed once, a code claimed twice goes to its first
/// claim, unknown and expired codes are left out, and nothing consumed can be claimed again.
#[tokio::test]
async fn many_codes_are_consumed_in_one_statement_each_once() {
    let (db, user_id) = with_code().await;
    for hash in ["second", "late"] {
        let issued = if hash == "late" { NOW - 300 } else { NOW };
        agent_codes::insert(&db.pool, &rows::agent_code_row(hash, &user_id, issued))
            .await
            .unwrap();
    }
    let claim = |hash: &str, grant: &str| (hash.to_owned(), grant.to_owned());
    let claims = [
        claim("code_hash", "gr_1"),
        claim("unknown", "gr_2"),
        claim("code_hash", "gr_3"),
        claim("second", "gr_4"),
        claim("late", "gr_5"),
    ];
    let mut conn = db.pool.acquire().await.unwrap();
    let mut consumed: Vec<(String, String)> =
        agent_codes::consume_many(&mut conn, &claims, NOW + 10)
            .await
            .unwrap()
            .into_iter()
            .map(|c| (c.code.code_hash, c.grant_id))
            .collect();
    consumed.sort();
    assert_eq!(
        consumed,
        [claim("code_hash", "gr_1"), claim("second", "gr_4")]
    );
    let again = agent_codes::consume_many(&mut conn, &claims, NOW + 11)
        .await
        .unwrap();
    assert!(again.is_empty());
}

#[tokio::test]
async fn a_code_is_usable_until_the_second_before_it_expires() {
    let (db, _) = with_code().await;
    assert!(
        agent_codes::consume(&db.pool, "code_hash", "gr_1", NOW + 300)
            .await
            .unwrap()
            .is_none(),
        "at expiry"
    );
    assert!(
        agent_codes::consume(&db.pool, "code_hash", "gr_1", NOW + 299)
            .await
            .unwrap()
            .is_some(),
        "the refusal at expiry did not use it up"
    );
}

#[tokio::test]
async fn the_redemption_shows_when_and_by_which_agent_for_the_owner_only() {
    let (db, user_id) = with_code().await;
    let unused = agent_codes::find_redemption(&db.pool, "code_hash", &user_id)
        .await
        .unwrap()
        .expect("own code");
    assert_eq!((unused.used_at, unused.agent_name), (None, None));

    agent_codes::consume(&db.pool, "code_hash", "gr_1", NOW + 5)
        .await
        .unwrap()
        .unwrap();
    let mut grant = rows::grant_row("gr_1", &user_id, NOW + 5);
    grant.agent_name = "Claude Code".into();
    grants::insert(&db.pool, &grant).await.unwrap();

    let used = agent_codes::find_redemption(&db.pool, "code_hash", &user_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(used.used_at, Some(NOW + 5));
    assert_eq!(used.agent_name.as_deref(), Some("Claude Code"));

    let bob = rows::user(&db.pool, "bob", NOW).await;
    assert!(
        agent_codes::find_redemption(&db.pool, "code_hash", &bob.id)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn codes_expired_more_than_a_day_ago_are_deleted() {
    let db = TestDb::new().await;
    let ada = rows::user(&db.pool, "ada", NOW).await;
    // Expiry 300 s after issue: these expire 86,401 s, 86,400 s and 0 s before `now`.
    let now = NOW + 300 + 86_401;
    for (hash, issued) in [("old", NOW), ("day_old", NOW + 1), ("fresh", now - 300)] {
        agent_codes::insert(&db.pool, &rows::agent_code_row(hash, &ada.id, issued))
            .await
            .unwrap();
    }
    assert_eq!(agent_codes::delete_expired(&db.pool, now).await.unwrap(), 1);
    assert_eq!(db.count("agent_codes").await, 2);
    assert_eq!(agent_codes::delete_expired(&db.pool, now).await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_many_simultaneous_redemptions_exactly_one_consumes_the_code() {
    let (db, _) = with_code().await;
    let wins = race(&db.pool, |pool, i| async move {
        let mut tx = pool.begin().await?;
        let row = agent_codes::consume(&mut *tx, "code_hash", &format!("gr_{i}"), NOW + 1).await?;
        tx.commit().await?;
        Ok(row)
    })
    .await;
    assert_eq!(wins, 1);
}

/// A batch larger than one statement takes: every code in it is consumed, a second claim in a
/// later statement loses to the first, and the grants, tokens and log entries of all of them
/// are written, none twice and none lost to the padding between statements.
#[tokio::test]
async fn a_batch_of_many_codes_goes_in_several_statements_with_nothing_lost() {
    use agent_connect::server::db::events::{self, EventKind, NewEvent};
    use agent_connect::server::db::tokens::{self, NewToken, TokenKind};
    use sqlx::Row;

    let (db, user_id) = with_code().await;
    let hashes: Vec<String> = (0..70).map(|i| format!("many_{i:02}")).collect();
    for hash in &hashes {
        agent_codes::insert(&db.pool, &rows::agent_code_row(hash, &user_id, NOW))
            .await
            .unwrap();
    }
    let mut claims: Vec<(String, String)> = hashes
        .iter()
        .enumerate()
        .map(|(i, hash)| (hash.clone(), format!("gr_{i:02}")))
        .collect();
    // The first code again, in the second statement's rows.
    claims.push((hashes[0].clone(), "gr_again".to_owned()));
    let mut conn = db.pool.acquire().await.unwrap();
    let consumed = agent_codes::consume_many(&mut conn, &claims, NOW + 10)
        .await
        .unwrap();
    assert_eq!(consumed.len(), 70);
    assert!(consumed.iter().all(|c| c.grant_id != "gr_again"));

    let grant_rows: Vec<_> = (0..70)
        .map(|i| rows::grant_row(&format!("gr_{i:02}"), &user_id, NOW))
        .collect();
    grants::insert_many(&mut conn, &grant_rows).await.unwrap();
    let token_rows: Vec<NewToken> = grant_rows
        .iter()
        .flat_map(|grant| {
            [TokenKind::Access, TokenKind::Refresh].map(|kind| NewToken {
                token_hash: format!("{}_{kind:?}", grant.id),
                grant_id: &grant.id,
                kind,
                created_at: NOW,
                expires_at: NOW + 3_600,
            })
        })
        .collect();
    tokens::insert_many(&mut conn, &token_rows).await.unwrap();
    let log: Vec<NewEvent> = (0..9)
        .map(|i| NewEvent {
            user_id: &user_id,
            kind: EventKind::CodeRedeemed,
            detail: format!("entry {i}"),
            client_ip: None,
            created_at: NOW,
        })
        .collect();
    events::record_many(&mut conn, &log).await.unwrap();

    let count = |sql: &'static str| {
        let pool = db.pool.clone();
        async move {
            sqlx::query(sql)
                .fetch_one(&pool)
                .await
                .unwrap()
                .get::<i64, _>(0)
        }
    };
    assert_eq!(count("SELECT COUNT(*) FROM grants").await, 70);
    assert_eq!(count("SELECT COUNT(*) FROM tokens").await, 140);
    assert_eq!(
        count("SELECT COUNT(*) FROM tokens WHERE token_hash IS NULL OR grant_id IS NULL").await,
        0
    );
    assert_eq!(count("SELECT COUNT(*) FROM security_events").await, 9);
}
