//! `db::users`: accounts by id and by email, one account per email.

use agent_connect::server::db::users;

use super::{NOW, TestDb};
use crate::support::rows;

#[tokio::test]
async fn an_inserted_user_is_found_by_email_and_by_id() {
    let db = TestDb::new().await;
    let ada = rows::user(&db.pool, "ada", NOW).await;

    let by_email = users::find_by_email(&db.pool, "ada@example.com")
        .await
        .unwrap()
        .expect("found by email");
    assert_eq!(by_email.id, ada.id);
    assert_eq!(by_email.email, ada.email);
    assert_eq!(by_email.password_hash, ada.password_hash);
    assert_eq!(by_email.created_at, NOW);

    let by_id = users::find_by_id(&db.pool, &ada.id)
        .await
        .unwrap()
        .expect("found by id");
    assert_eq!(by_id.email, "ada@example.com");
}

#[tokio::test]
async fn unknown_emails_and_ids_find_nobody() {
    let db = TestDb::new().await;
    rows::user(&db.pool, "ada", NOW).await;
    for email in ["bob@example.com", "ADA@example.com", ""] {
        assert!(
            users::find_by_email(&db.pool, email)
                .await
                .unwrap()
                .is_none(),
            "{email}"
        );
    }
    assert!(
        users::find_by_id(&db.pool, "usr_bob")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_second_account_with_the_same_email_is_a_duplicate() {
    let db = TestDb::new().await;
    rows::user(&db.pool, "ada", NOW).await;
    let mut again = rows::user_row("ada", NOW + 1);
    again.id = "usr_other".into();
    let err = users::insert(&db.pool, &again).await.unwrap_err();
    assert!(users::is_duplicate_email(&err), "{err}");
    assert_eq!(db.count("users").await, 1);
    assert!(!users::is_duplicate_email(&sqlx::Error::RowNotFound));
}

#[tokio::test]
async fn debug_output_never_shows_the_password_hash() {
    let db = TestDb::new().await;
    let ada = rows::user(&db.pool, "ada", NOW).await;
    let shown = format!("{ada:?}");
    assert!(shown.contains("ada@example.com"), "{shown}");
    assert!(!shown.contains(&ada.password_hash), "{shown}");
}
