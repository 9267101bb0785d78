//! `users`: accounts that sign in to the portal.

use super::ids::UserId;
use sqlx::{Executor, FromRow};

use super::Db;

#[derive(Clone, FromRow)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub password_hash: String,
    pub created_at: i64,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

pub async fn insert<'e>(
    db: impl Executor<'e, Database = Db>,
    user: &User,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO users (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4)")
        .bind(&user.id)
        .bind(&user.email)
        .bind(&user.password_hash)
        .bind(user.created_at)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn find_by_email<'e>(
    db: impl Executor<'e, Database = Db>,
    email: &str,
) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as("SELECT id, email, password_hash, created_at FROM users WHERE email = $1")
        .bind(email)
        .fetch_optional(db)
        .await
}

pub async fn find_by_id<'e>(
    db: impl Executor<'e, Database = Db>,
    id: &str,
) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as("SELECT id, email, password_hash, created_at FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Whether an insert failed because the email is taken.
pub fn is_duplicate_email(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}
