//! `db::tokens`: access and refresh tokens by hash, live while they and their grant are;
//! refresh tokens rotated once, or again within the grace of a lost response.

use agent_connect::server::db::tokens::{self, TokenKind};
use agent_connect::server::db::{Pool, grants};
use agent_connect::server::domain::secrets::{ACCESS_TTL, REFRESH_TTL, hash};

use super::{NOW, TestDb, race};
use crate::support::rows;

/// A database with the account `ada` and her live grant `gr_1`.
async fn with_grant() -> TestDb {
    let db = TestDb::new().await;
    rows::user(&db.pool, "ada", NOW).await;
    rows::grant(&db.pool, "gr_1", "usr_ada", NOW).await;
    db
}

/// A token pair of `gr_1`, issued at `now` as a token response does; returns (access, refresh).
async fn pair(db: &Pool, now: i64) -> (String, String) {
    let access = rows::token(db, "gr_1", TokenKind::Access, now, now + ACCESS_TTL).await;
    let refresh = rows::token(db, "gr_1", TokenKind::Refresh, now, now + REFRESH_TTL).await;
    (access, refresh)
}

async fn is_active(db: &Pool, token: &str, now: i64) -> bool {
    tokens::find_active(db, &hash(token), now)
        .await
        .unwrap()
        .is_some()
}

#[tokio::test]
async fn a_live_token_shows_what_its_grant_allows() {
    let db = with_grant().await;
    let (access, refresh) = pair(&db.pool, NOW).await;
    let active = tokens::find_active(&db.pool, &hash(&access), NOW + 1)
        .await
        .unwrap()
        .expect("live");
    let grant = rows::grant_row("gr_1", "usr_ada", NOW);
    assert_eq!(active.kind, TokenKind::Access);
    assert_eq!(active.grant.id, "gr_1");
    assert_eq!(active.grant.user_id, "usr_ada");
    assert_eq!(active.email, "ada@example.com");
    assert_eq!(active.grant.client_id, grant.client_id);
    assert_eq!(active.grant.agent_name, grant.agent_name);
    assert_eq!(active.grant.scopes.to_string(), rows::SCOPES);
    assert_eq!(
        (active.created_at, active.expires_at),
        (NOW, NOW + ACCESS_TTL)
    );
    assert_eq!(active.grant.resource, None);

    let record = tokens::find(&db.pool, &hash(&refresh))
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(record.kind, TokenKind::Refresh);
    assert_eq!(record.grant_id, "gr_1");
    assert_eq!(record.client_id, grant.client_id);
    assert_eq!(record.user_id, "usr_ada");
    assert_eq!(record.used_at, None);
    assert!(
        tokens::find(&db.pool, &hash("acat_unknown"))
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_token_stops_working_at_expiry_on_revocation_and_with_its_grant() {
    let db = with_grant().await;
    let (access, refresh) = pair(&db.pool, NOW).await;
    assert!(is_active(&db.pool, &access, NOW + ACCESS_TTL - 1).await);
    assert!(
        !is_active(&db.pool, &access, NOW + ACCESS_TTL).await,
        "at expiry"
    );

    tokens::revoke(&db.pool, &hash(&access), NOW + 1)
        .await
        .unwrap();
    assert!(!is_active(&db.pool, &access, NOW + 2).await, "revoked");
    assert!(
        is_active(&db.pool, &refresh, NOW + 2).await,
        "its pair lives on"
    );

    grants::revoke_by_id(&db.pool, "gr_1", NOW + 3)
        .await
        .unwrap();
    assert!(
        !is_active(&db.pool, &refresh, NOW + 4).await,
        "grant revoked"
    );
    assert!(
        tokens::find(&db.pool, &hash(&refresh))
            .await
            .unwrap()
            .is_some(),
        "still on record"
    );
}

#[tokio::test]
async fn revoking_a_token_twice_keeps_the_first_time() {
    let db = with_grant().await;
    let (access, _) = pair(&db.pool, NOW).await;
    let first = tokens::revoke(&db.pool, &hash(&access), NOW + 1).await;
    assert_eq!(first.unwrap().as_deref(), Some("gr_1"), "names its grant");
    let again = tokens::revoke(&db.pool, &hash(&access), NOW + 2).await;
    assert_eq!(again.unwrap(), None, "was no longer live");
    let unknown = tokens::revoke(&db.pool, &hash("acat_unknown"), NOW + 2).await;
    assert_eq!(unknown.unwrap(), None);
    let revoked_at: Option<i64> =
        sqlx::query_scalar("SELECT revoked_at FROM tokens WHERE token_hash = $1")
            .bind(hash(&access))
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(revoked_at, Some(NOW + 1));
}

#[tokio::test]
async fn a_refresh_token_is_rotated_once() {
    let db = with_grant().await;
    let (access, refresh) = pair(&db.pool, NOW).await;
    assert_eq!(
        tokens::consume_refresh(&db.pool, &hash(&refresh), NOW + 5)
            .await
            .unwrap()
            .as_deref(),
        Some("gr_1")
    );
    assert_eq!(
        tokens::consume_refresh(&db.pool, &hash(&refresh), NOW + 6)
            .await
            .unwrap(),
        None,
        "second use"
    );
    let record = tokens::find(&db.pool, &hash(&refresh))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.used_at, Some(NOW + 5));
    assert!(!is_active(&db.pool, &refresh, NOW + 6).await);
    assert_eq!(
        tokens::consume_refresh(&db.pool, &hash(&access), NOW + 6)
            .await
            .unwrap(),
        None,
        "an access token is not a refresh token"
    );
}

#[tokio::test]
async fn an_expired_revoked_or_orphaned_refresh_token_is_not_rotated() {
    let db = with_grant().await;
    let (_, expired) = pair(&db.pool, NOW).await;
    assert_eq!(
        tokens::consume_refresh(&db.pool, &hash(&expired), NOW + REFRESH_TTL)
            .await
            .unwrap(),
        None,
        "at expiry"
    );
    let (_, revoked) = pair(&db.pool, NOW).await;
    tokens::revoke(&db.pool, &hash(&revoked), NOW + 1)
        .await
        .unwrap();
    assert_eq!(
        tokens::consume_refresh(&db.pool, &hash(&revoked), NOW + 2)
            .await
            .unwrap(),
        None,
        "revoked token"
    );
    let (_, orphaned) = pair(&db.pool, NOW).await;
    grants::revoke_by_id(&db.pool, "gr_1", NOW + 1)
        .await
        .unwrap();
    assert_eq!(
        tokens::consume_refresh(&db.pool, &hash(&orphaned), NOW + 2)
            .await
            .unwrap(),
        None,
        "revoked grant"
    );
    let record = tokens::find(&db.pool, &hash(&expired))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.used_at, None, "refusals change nothing");
}

#[tokio::test]
async fn a_rotated_refresh_token_rotates_again_only_within_the_grace() {
    let db = with_grant().await;
    let grace = 10;
    let (_, first) = pair(&db.pool, NOW).await;
    tokens::consume_refresh(&db.pool, &hash(&first), NOW + 100)
        .await
        .unwrap()
        .unwrap();
    let (_, second) = pair(&db.pool, NOW + 100).await;

    assert_eq!(
        tokens::rotate_again(&db.pool, &hash(&first), NOW + 109, grace)
            .await
            .unwrap()
            .as_deref(),
        Some("gr_1"),
        "a retry 9 s later"
    );
    let retired = tokens::find(&db.pool, &hash(&second))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(retired.used_at, Some(NOW + 109), "the pair it never saw");
    let (_, third) = pair(&db.pool, NOW + 109).await;

    assert_eq!(
        tokens::rotate_again(&db.pool, &hash(&first), NOW + 110, grace)
            .await
            .unwrap(),
        None,
        "10 s later is a replay"
    );
    assert!(is_active(&db.pool, &third, NOW + 110).await);
    assert_eq!(
        tokens::rotate_again(&db.pool, &hash(&third), NOW + 111, grace)
            .await
            .unwrap(),
        None,
        "a token never rotated"
    );
}

#[tokio::test]
async fn no_rotation_again_for_a_revoked_grant() {
    let db = with_grant().await;
    let (_, first) = pair(&db.pool, NOW).await;
    tokens::consume_refresh(&db.pool, &hash(&first), NOW + 1)
        .await
        .unwrap()
        .unwrap();
    pair(&db.pool, NOW + 1).await;
    grants::revoke_by_id(&db.pool, "gr_1", NOW + 2)
        .await
        .unwrap();
    assert_eq!(
        tokens::rotate_again(&db.pool, &hash(&first), NOW + 3, 10)
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn tokens_expired_more_than_a_day_ago_are_deleted() {
    let db = with_grant().await;
    let now = NOW + 1_000_000;
    let old = rows::token(&db.pool, "gr_1", TokenKind::Access, NOW, now - 86_401).await;
    let day_old = rows::token(&db.pool, "gr_1", TokenKind::Access, NOW, now - 86_400).await;
    let fresh = rows::token(&db.pool, "gr_1", TokenKind::Refresh, NOW, now).await;
    assert_eq!(tokens::delete_expired(&db.pool, now).await.unwrap(), 1);
    assert!(tokens::find(&db.pool, &hash(&old)).await.unwrap().is_none());
    for kept in [day_old, fresh] {
        assert!(
            tokens::find(&db.pool, &hash(&kept))
                .await
                .unwrap()
                .is_some()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_many_simultaneous_refreshes_exactly_one_rotates_the_token() {
    let db = with_grant().await;
    let (_, refresh) = pair(&db.pool, NOW).await;
    let token_hash = hash(&refresh);
    let wins = race(&db.pool, |pool, _| {
        let token_hash = token_hash.clone();
        async move {
            let mut tx = pool.begin().await?;
            let grant = tokens::consume_refresh(&mut *tx, &token_hash, NOW + 1).await?;
            tx.commit().await?;
            Ok(grant)
        }
    })
    .await;
    assert_eq!(wins, 1);
}
