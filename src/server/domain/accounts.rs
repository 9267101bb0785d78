//! Accounts: creating them and checking a sign-in, with the same answer and the same time
//! whether or not the email exists.

use std::net::IpAddr;

use crate::server::auth::password::{self, HashError, PasswordHasher, PasswordRule};
use crate::server::db::Pool;
use crate::server::db::users::{self, User};
use crate::server::domain::Actor;
use crate::server::domain::secrets::new_id;
use crate::server::domain::security_log;
use crate::server::domain::security_log::EventDetail;

/// Why an account could not be created.
#[derive(Debug, thiserror::Error)]
pub enum SignUpError {
    #[error("Enter an email address like name@example.com.")]
    BadEmail,
    #[error(transparent)]
    BadPassword(#[from] PasswordRule),
    #[error("An account with this email already exists. Sign in instead.")]
    Taken,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Hashing(#[from] HashError),
}

/// Trims and lower-cases an email and checks its shape.
pub fn normalize_email(raw: &str) -> Result<String, SignUpError> {
    let email = raw.trim().to_lowercase();
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid {
        Ok(email)
    } else {
        Err(SignUpError::BadEmail)
    }
}

/// What a new account is made of, and where and when it was asked for.
pub struct NewAccount<'a> {
    pub email: &'a str,
    pub password: &'a str,
    pub addr: Option<IpAddr>,
    pub at: i64,
}

/// Creates an account and records it in the account's security log.
pub async fn create(
    db: &Pool,
    passwords: &PasswordHasher,
    new: NewAccount<'_>,
) -> Result<User, SignUpError> {
    let NewAccount {
        email,
        password,
        addr: client_ip,
        at: now,
    } = new;
    let email = normalize_email(email)?;
    password::check_new(password)?;
    let user = User {
        id: new_id("usr_").into(),
        email,
        password_hash: passwords.hash(password.to_owned()).await?,
        created_at: now,
    };
    let mut tx = db.begin().await?;
    users::insert(&mut *tx, &user).await.map_err(|err| {
        if users::is_duplicate_email(&err) {
            SignUpError::Taken
        } else {
            SignUpError::Database(err)
        }
    })?;
    let by = Actor {
        user_id: &user.id,
        addr: client_ip,
        at: now,
    };
    security_log::record(&mut *tx, by, &EventDetail::AccountCreated).await?;
    tx.commit().await?;
    tracing::info!(user = %user.id, "account created");
    Ok(user)
}

/// The account these credentials belong to, if they match.
pub async fn verify(
    db: &Pool,
    passwords: &PasswordHasher,
    email: &str,
    password: &str,
) -> Result<Option<User>, SignInError> {
    let email = email.trim().to_lowercase();
    let user = users::find_by_email(db, &email).await?;
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let password = password
        .chars()
        .take(password::MAX_LENGTH)
        .collect::<String>();
    let matches = passwords.verify(password, stored).await?;
    Ok(user.filter(|_| matches))
}

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Hashing(#[from] HashError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalized_and_checked() {
        assert_eq!(
            normalize_email("  Ada@Example.COM ").unwrap(),
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a da@example.com",
            "ada@.com",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
    }
}
