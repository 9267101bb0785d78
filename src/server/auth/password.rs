//! Password hashing: Argon2id with 19 MiB and 2 passes (OWASP ASVS 11.4.2), off the async
//! runtime and behind a concurrency limit, so sign-in floods cannot starve the server.

use std::sync::Arc;

use argon2::password_hash::{
    PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString, rand_core::OsRng,
};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

/// Shortest password accepted.
pub const MIN_LENGTH: usize = 10;
/// Longest password accepted (bounds hashing work).
pub const MAX_LENGTH: usize = 256;

/// Hashes and verifies passwords; cheap to clone.
#[derive(Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    /// Verified against when the email is unknown, so both cases take the same time.
    decoy: Arc<String>,
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

impl PasswordHasher {
    pub fn new() -> Self {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        let decoy = hash_blocking("decoy password for unknown accounts");
        Self {
            permits: Arc::new(Semaphore::new(cores)),
            decoy: Arc::new(decoy),
        }
    }

    /// A PHC string for storage.
    pub async fn hash(&self, password: String) -> Result<String, HashError> {
        let _permit = self.permits.acquire().await?;
        Ok(tokio::task::spawn_blocking(move || hash_blocking(&password)).await?)
    }

    /// Whether `password` matches `stored`; with `None`, spends the same time and says no.
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, HashError> {
        let _permit = self.permits.acquire().await?;
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| self.decoy.as_ref().clone());
        let matches = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&stored)
                .map(|parsed| {
                    argon2()
                        .verify_password(password.as_bytes(), &parsed)
                        .is_ok()
                })
                .unwrap_or(false)
        })
        .await?;
        Ok(known && matches)
    }
}

impl Default for PasswordHasher {
    fn default() -> Self {
        Self::new()
    }
}

fn hash_blocking(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .expect("Argon2 hashing cannot fail with valid parameters")
        .to_string()
}

/// Why a new password is refused, in words for the sign-up form.
pub fn check_new(password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_LENGTH {
        return Err(format!(
            "Use a password of at least {MIN_LENGTH} characters."
        ));
    }
    if chars > MAX_LENGTH {
        return Err(format!(
            "Use a password of at most {MAX_LENGTH} characters."
        ));
    }
    Ok(())
}

/// Failures of the hashing machinery itself (never a wrong password).
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("password hashing task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
    #[error("password hashing limiter closed")]
    Closed(#[from] tokio::sync::AcquireError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_unknown_accounts_never_match() {
        let hasher = PasswordHasher::new();
        let stored = hasher.hash("correct horse battery".into()).await.unwrap();
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
        assert!(
            hasher
                .verify("correct horse battery".into(), Some(stored.clone()))
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify("wrong horse battery".into(), Some(stored))
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify("decoy password for unknown accounts".into(), None)
                .await
                .unwrap()
        );
    }

    #[test]
    fn new_passwords_have_a_length_range() {
        assert!(check_new("short").is_err());
        assert!(check_new("long enough!").is_ok());
        assert!(check_new(&"x".repeat(300)).is_err());
    }
}
