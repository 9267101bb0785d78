//! `db::grants`: one row per authorization of an agent; revoked by its owner, by id or all at
//! once; touched at most once a minute; pruned with its tokens once dead past the retention.

use agent_connect::server::db::grants;
use agent_connect::server::db::tokens::{self, TokenKind};
use agent_connect::server::domain::secrets::hash;

use super::{NOW, TestDb};
use crate::support::rows;

/// A database with the accounts `ada` and `bob`.
async fn with_people() -> TestDb {
    let db = TestDb::new().await;
    rows::user(&db.pool, "ada", NOW).await;
    rows::user(&db.pool, "bob", NOW).await;
    db
}

/// Ids of `grants`, in order.
fn ids(grants: &[grants::Grant]) -> Vec<&str> {
    grants.iter().map(|g| g.id.as_str()).collect()
}

#[tokio::test]
async fn an_inserted_grant_is_found_as_made() {
    let db = with_people().await;
    let mut made = rows::grant_row("gr_1", "usr_ada", NOW);
    made.resource = Some("http://127.0.0.1:3000/mcp".into());
    grants::insert(&db.pool, &made).await.unwrap();

    let found = grants::find(&db.pool, "gr_1")
        .await
        .unwrap()
        .expect("found");
    assert_eq!(found.user_id, made.user_id);
    assert_eq!(found.client_id, made.client_id);
    assert_eq!(found.agent_name, made.agent_name);
    assert_eq!(found.scopes, made.scopes);
    assert_eq!(found.granted_via, made.granted_via);
    assert_eq!(found.created_at, NOW);
    assert_eq!(found.expires_at, made.expires_at);
    assert_eq!(found.resource, made.resource);
    assert_eq!((found.last_used_at, found.revoked_at), (None, None));
    assert!(grants::find(&db.pool, "gr_2").await.unwrap().is_none());
}

#[tokio::test]
async fn the_live_grants_of_a_person_are_listed_newest_first() {
    let db = with_people().await;
    rows::grant(&db.pool, "gr_old", "usr_ada", NOW).await;
    rows::grant(&db.pool, "gr_new", "usr_ada", NOW + 10).await;
    rows::grant(&db.pool, "gr_revoked", "usr_ada", NOW + 20).await;
    grants::revoke_by_id(&db.pool, "gr_revoked", NOW + 30)
        .await
        .unwrap();
    let mut expiring = rows::grant_row("gr_expiring", "usr_ada", NOW);
    expiring.expires_at = NOW + 100;
    grants::insert(&db.pool, &expiring).await.unwrap();
    rows::grant(&db.pool, "gr_bob", "usr_bob", NOW + 40).await;

    let live = grants::list_active(&db.pool, "usr_ada", NOW + 99)
        .await
        .unwrap();
    assert_eq!(ids(&live), ["gr_new", "gr_expiring", "gr_old"]);
    let live = grants::list_active(&db.pool, "usr_ada", NOW + 100)
        .await
        .unwrap();
    assert_eq!(ids(&live), ["gr_new", "gr_old"], "expired at its expiry");
}

#[tokio::test]
async fn a_person_revokes_only_their_own_live_grant_once() {
    let db = with_people().await;
    rows::grant(&db.pool, "gr_1", "usr_ada", NOW).await;
    assert!(
        grants::revoke(&db.pool, "gr_1", "usr_bob", NOW + 1)
            .await
            .unwrap()
            .is_none(),
        "another person's grant"
    );
    let revoked = grants::revoke(&db.pool, "gr_1", "usr_ada", NOW + 2)
        .await
        .unwrap()
        .expect("own grant");
    assert_eq!(revoked.revoked_at, Some(NOW + 2));
    assert!(
        grants::revoke(&db.pool, "gr_1", "usr_ada", NOW + 3)
            .await
            .unwrap()
            .is_none(),
        "already revoked"
    );
    let found = grants::find(&db.pool, "gr_1").await.unwrap().unwrap();
    assert_eq!(
        found.revoked_at,
        Some(NOW + 2),
        "the first revocation stands"
    );
}

#[tokio::test]
async fn a_grant_is_revoked_by_id_whoever_owns_it_once() {
    let db = with_people().await;
    rows::grant(&db.pool, "gr_1", "usr_ada", NOW).await;
    let revoked = grants::revoke_by_id(&db.pool, "gr_1", NOW + 1)
        .await
        .unwrap()
        .expect("live grant");
    assert_eq!(revoked.user_id, "usr_ada");
    assert_eq!(revoked.revoked_at, Some(NOW + 1));
    assert!(
        grants::revoke_by_id(&db.pool, "gr_1", NOW + 2)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        grants::revoke_by_id(&db.pool, "gr_unknown", NOW + 2)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn revoking_all_ends_every_live_grant_of_that_person_only() {
    let db = with_people().await;
    rows::grant(&db.pool, "gr_1", "usr_ada", NOW).await;
    rows::grant(&db.pool, "gr_2", "usr_ada", NOW).await;
    rows::grant(&db.pool, "gr_gone", "usr_ada", NOW).await;
    grants::revoke_by_id(&db.pool, "gr_gone", NOW + 1)
        .await
        .unwrap();
    rows::grant(&db.pool, "gr_bob", "usr_bob", NOW).await;

    let mut revoked = grants::revoke_all(&db.pool, "usr_ada", NOW + 2)
        .await
        .unwrap();
    revoked.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(ids(&revoked), ["gr_1", "gr_2"]);
    assert!(revoked.iter().all(|g| g.revoked_at == Some(NOW + 2)));
    let gone = grants::find(&db.pool, "gr_gone").await.unwrap().unwrap();
    assert_eq!(gone.revoked_at, Some(NOW + 1));
    assert!(
        grants::revoke_all(&db.pool, "usr_ada", NOW + 3)
            .await
            .unwrap()
            .is_empty()
    );
    let bob = grants::list_active(&db.pool, "usr_bob", NOW + 3)
        .await
        .unwrap();
    assert_eq!(ids(&bob), ["gr_bob"]);
}

#[tokio::test]
async fn use_is_written_at_most_once_a_minute() {
    let db = with_people().await;
    rows::grant(&db.pool, "gr_1", "usr_ada", NOW).await;
    let last_used = || async {
        let grant = grants::find(&db.pool, "gr_1").await.unwrap().unwrap();
        (grant.last_used_at, grant.last_used_ip)
    };
    let (here, there) = (Some("192.0.2.1"), Some("198.51.100.7"));
    grants::touch(&db.pool, "gr_1", here, NOW + 100)
        .await
        .unwrap();
    assert_eq!(
        last_used().await,
        (Some(NOW + 100), here.map(Into::into)),
        "first use"
    );
    grants::touch(&db.pool, "gr_1", there, NOW + 159)
        .await
        .unwrap();
    assert_eq!(
        last_used().await,
        (Some(NOW + 100), here.map(Into::into)),
        "59 s later"
    );
    // An unknown address (a resource server's introspection) keeps the last one known.
    grants::touch(&db.pool, "gr_1", None, NOW + 160)
        .await
        .unwrap();
    assert_eq!(
        last_used().await,
        (Some(NOW + 160), here.map(Into::into)),
        "a minute later"
    );
    grants::touch(&db.pool, "gr_unknown", there, NOW + 300)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_person_pauses_resumes_and_renames_only_their_live_grants() {
    let db = with_people().await;
    rows::grant(&db.pool, "gr_1", "usr_ada", NOW).await;
    let paused = |paused| grants::set_paused(&db.pool, "gr_1", "usr_ada", paused, NOW + 5);
    assert!(paused(true).await.unwrap().is_some());
    assert!(paused(true).await.unwrap().is_none(), "already paused");
    let found = grants::find(&db.pool, "gr_1").await.unwrap().unwrap();
    assert_eq!(found.paused_at, Some(NOW + 5));
    assert!(paused(false).await.unwrap().is_some());
    assert!(paused(false).await.unwrap().is_none(), "already running");
    assert!(
        grants::set_paused(&db.pool, "gr_1", "usr_bob", true, NOW)
            .await
            .unwrap()
            .is_none(),
        "not theirs"
    );
    let renamed = grants::rename(&db.pool, "gr_1", "usr_ada", "Bob's helper", NOW).await;
    assert_eq!(renamed.unwrap().unwrap().agent_name, "Bob's helper");
    assert!(
        grants::rename(&db.pool, "gr_1", "usr_bob", "Mine", NOW)
            .await
            .unwrap()
            .is_none()
    );
    grants::revoke(&db.pool, "gr_1", "usr_ada", NOW + 10)
        .await
        .unwrap();
    assert!(paused(true).await.unwrap().is_none(), "revoked");
    assert!(
        grants::rename(&db.pool, "gr_1", "usr_ada", "X", NOW)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_refresh_moves_the_expiry_and_counts_as_use() {
    let db = with_people().await;
    rows::grant(&db.pool, "gr_1", "usr_ada", NOW).await;
    grants::extend(&db.pool, "gr_1", NOW + 5_000_000, NOW + 50)
        .await
        .unwrap();
    let found = grants::find(&db.pool, "gr_1").await.unwrap().unwrap();
    assert_eq!(found.expires_at, NOW + 5_000_000);
    assert_eq!(found.last_used_at, Some(NOW + 50));
}

#[tokio::test]
async fn grants_dead_before_the_cutoff_are_deleted_with_their_tokens() {
    let db = with_people().await;
    let cutoff = NOW + 1_000;
    let with_expiry = |id: &str, expires_at| {
        let mut grant = rows::grant_row(id, "usr_ada", NOW);
        grant.expires_at = expires_at;
        grant
    };
    for grant in [
        with_expiry("gr_expired_before", cutoff - 1),
        with_expiry("gr_expired_at", cutoff),
        with_expiry("gr_live", cutoff + 1),
        with_expiry("gr_revoked_before", cutoff + 1),
        with_expiry("gr_revoked_at", cutoff + 1),
    ] {
        grants::insert(&db.pool, &grant).await.unwrap();
    }
    grants::revoke_by_id(&db.pool, "gr_revoked_before", cutoff - 1)
        .await
        .unwrap();
    grants::revoke_by_id(&db.pool, "gr_revoked_at", cutoff)
        .await
        .unwrap();
    let token = rows::token(
        &db.pool,
        "gr_expired_before",
        TokenKind::Refresh,
        NOW,
        cutoff + 10,
    )
    .await;

    assert_eq!(grants::delete_dead(&db.pool, cutoff).await.unwrap(), 2);
    for (id, kept) in [
        ("gr_expired_before", false),
        ("gr_expired_at", true),
        ("gr_live", true),
        ("gr_revoked_before", false),
        ("gr_revoked_at", true),
    ] {
        assert_eq!(
            grants::find(&db.pool, id).await.unwrap().is_some(),
            kept,
            "{id}"
        );
    }
    assert!(
        tokens::find(&db.pool, &hash(&token))
            .await
            .unwrap()
            .is_none(),
        "its tokens went with it"
    );
}
