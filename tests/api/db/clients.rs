//! `db::clients`: registered clients, their redirect URIs stored as JSON and validated again
//! when read, and the pruning of registrations nobody used.

use agent_connect::grant_type::GrantType;
use agent_connect::server::db::clients;
use agent_connect::server::domain::secrets::hash;

use super::{NOW, TestDb};
use crate::support::rows;

#[tokio::test]
async fn an_inserted_client_is_found_as_registered() {
    let db = TestDb::new().await;
    let public = rows::client_row("client_cli", "authorization_code refresh_token", None, NOW);
    let confidential =
        rows::client_row("client_web", "authorization_code", Some("acs_s3cret"), NOW);
    clients::insert(&db.pool, &public).await.unwrap();
    clients::insert(&db.pool, &confidential).await.unwrap();

    let found = clients::find(&db.pool, "client_cli")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, "client_cli");
    assert_eq!(found.name, public.name);
    assert_eq!(found.redirect_uris, public.redirect_uris);
    assert_eq!(found.redirect_uris.as_slice(), [rows::REDIRECT]);
    assert_eq!(
        found.grant_types.to_string(),
        "authorization_code refresh_token"
    );
    assert_eq!(found.created_at, NOW);
    assert!(!found.is_confidential());
    assert!(found.may_use(GrantType::RefreshToken));
    assert!(!found.may_use(GrantType::AgentCode));
    assert!(!found.may_use(GrantType::DeviceCode));

    let found = clients::find(&db.pool, "client_web")
        .await
        .unwrap()
        .unwrap();
    assert!(found.is_confidential());
    assert_eq!(
        found.secret_hash.as_deref(),
        Some(hash("acs_s3cret").as_str())
    );
    let shown = format!("{found:?}");
    assert!(shown.contains("confidential: true"), "{shown}");
    assert!(!shown.contains(&hash("acs_s3cret")), "{shown}");

    assert!(clients::find(&db.pool, "client_x").await.unwrap().is_none());
}

#[tokio::test]
async fn a_stored_redirect_uri_that_no_longer_validates_fails_the_read() {
    let db = TestDb::new().await;
    sqlx::query(
        "INSERT INTO clients (id, name, secret_hash, redirect_uris, grant_types, created_at) \
         VALUES ('client_old', 'Old', NULL, $1, 'authorization_code', $2)",
    )
    .bind(r#"["https://a.example/cb javascript:alert(1)"]"#)
    .bind(NOW)
    .execute(&db.pool)
    .await
    .unwrap();
    assert!(clients::find(&db.pool, "client_old").await.is_err());
}

#[tokio::test]
async fn unused_registrations_older_than_the_cutoff_are_deleted() {
    let db = TestDb::new().await;
    let cutoff = NOW;
    let ada = rows::user(&db.pool, "ada", NOW).await;
    rows::client(
        &db.pool,
        "client_unused_old",
        "authorization_code",
        cutoff - 1,
    )
    .await;
    rows::client(
        &db.pool,
        "client_unused_at_cutoff",
        "authorization_code",
        cutoff,
    )
    .await;
    rows::client(
        &db.pool,
        "client_with_grant",
        "authorization_code",
        cutoff - 1,
    )
    .await;
    rows::client(
        &db.pool,
        "client_with_device",
        "authorization_code",
        cutoff - 1,
    )
    .await;
    let mut grant = rows::grant_row("gr_1", &ada.id, NOW);
    grant.client_id = "client_with_grant".into();
    agent_connect::server::db::grants::insert(&db.pool, &grant)
        .await
        .unwrap();
    let device = rows::device_code_row("dev_hash", "BCDFGHJK", "client_with_device", NOW);
    assert!(
        agent_connect::server::db::device_codes::insert(&db.pool, &device)
            .await
            .unwrap()
    );

    assert_eq!(clients::delete_unused(&db.pool, cutoff).await.unwrap(), 1);
    assert!(
        clients::find(&db.pool, "client_unused_old")
            .await
            .unwrap()
            .is_none()
    );
    for kept in [
        "client_unused_at_cutoff",
        "client_with_grant",
        "client_with_device",
    ] {
        assert!(
            clients::find(&db.pool, kept).await.unwrap().is_some(),
            "{kept}"
        );
    }
    assert_eq!(clients::delete_unused(&db.pool, cutoff).await.unwrap(), 0);
}
