//! Password hashing: Argon2id with 19 MiB and 2 passes (OWASP ASVS 11.4.2), off the async
//! runtime and behind a concurrency limit, so sign-in floods cannot starve the server.
//!
//! Argon2's 19 MiB of working memory is allocated once per permit and reused. Allocated per
//! hash, every blocking thread's allocator arena kept its own 19 MiB after the first sign-in
//! it ran: ten sign-ins grew the server by 200 MB for good.

use std::sync::{Arc, Mutex};

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::Semaphore;

/// Shortest password accepted.
pub const MIN_LENGTH: usize = 10;
/// Longest password accepted (bounds hashing work).
pub const MAX_LENGTH: usize = 256;

/// Hashes and verifies passwords; cheap to clone.
#[derive(Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    /// Argon2 working memory, one block set per permit in use, kept for the next hash.
    workspaces: Arc<Mutex<Vec<Vec<Block>>>>,
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
        let decoy = hash_with("decoy password for unknown accounts", &mut workspace());
        Self {
            permits: Arc::new(Semaphore::new(cores)),
            workspaces: Arc::new(Mutex::new(Vec::with_capacity(cores))),
            decoy: Arc::new(decoy),
        }
    }

    /// A PHC string for storage.
    pub async fn hash(&self, password: String) -> Result<String, HashError> {
        self.with_workspace(move |blocks| hash_with(&password, blocks))
            .await
    }

    /// Whether `password` matches `stored`; with `None`, spends the same time and says no.
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, HashError> {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| self.decoy.as_ref().clone());
        let matches = self
            .with_workspace(move |blocks| verify_with(&password, &stored, blocks))
            .await?;
        Ok(known && matches)
    }

    /// Runs `work` on a blocking thread with a permit and a reused workspace.
    async fn with_workspace<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let _permit = self.permits.acquire().await?;
        let mut blocks = self
            .workspaces
            .lock()
            .ok()
            .and_then(|mut kept| kept.pop())
            .unwrap_or_else(workspace);
        let (result, blocks) = tokio::task::spawn_blocking(move || {
            let result = work(&mut blocks);
            (result, blocks)
        })
        .await?;
        if let Ok(mut kept) = self.workspaces.lock() {
            kept.push(blocks);
        }
        Ok(result)
    }
}

/// Working memory for one hash with our parameters.
fn workspace() -> Vec<Block> {
    vec![Block::default(); argon2().params().block_count()]
}

impl Default for PasswordHasher {
    fn default() -> Self {
        Self::new()
    }
}

/// A PHC string for `password` with a fresh salt, hashed in `blocks`.
fn hash_with(password: &str, blocks: &mut [Block]) -> String {
    let argon2 = argon2();
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    let phc = salt
        .decode_b64(&mut salt_bytes)
        .map_err(|err| err.to_string())
        .and_then(|salt_bytes| {
            argon2
                .hash_password_into_with_memory(password.as_bytes(), salt_bytes, &mut out, blocks)
                .map_err(|err| err.to_string())
        })
        .and_then(|()| {
            Ok(PasswordHash {
                algorithm: Algorithm::Argon2id.ident(),
                version: Some(Version::V0x13.into()),
                params: ParamsString::try_from(argon2.params()).map_err(|e| e.to_string())?,
                salt: Some(salt.as_salt()),
                hash: Some(Output::new(&out).map_err(|e| e.to_string())?),
            }
            .to_string())
        });
    phc.expect("Argon2 hashing cannot fail with valid parameters and a generated salt")
}

/// Whether `password` matches the PHC string `stored`, hashed in `blocks` (or in memory of
/// its own when `stored` asks for more than our parameters do). The comparison is the
/// constant-time one of [`Output`].
fn verify_with(password: &str, stored: &str, blocks: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(expected), Some(salt)) = (parsed.hash, parsed.salt) else {
        return false;
    };
    let (Ok(algorithm), Ok(version), Ok(params)) = (
        Algorithm::try_from(parsed.algorithm),
        parsed
            .version
            .map_or(Ok(Version::default()), Version::try_from),
        Params::try_from(&parsed),
    ) else {
        return false;
    };
    if blocks.len() < params.block_count() {
        blocks.resize(params.block_count(), Block::default());
    }
    let mut salt_bytes = [0u8; 64];
    let mut out = vec![0u8; expected.len()];
    salt.decode_b64(&mut salt_bytes).is_ok_and(|salt_bytes| {
        Argon2::new(algorithm, version, params)
            .hash_password_into_with_memory(
                password.as_bytes(),
                salt_bytes,
                &mut out,
                &mut blocks[..],
            )
            .is_ok()
    }) && Output::new(&out).is_ok_and(|computed| computed == expected)
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

    /// Hashes stored before the workspace existed (made by the crate's own API) still verify,
    /// and ours verify with it, so nothing stored changes meaning.
    #[test]
    fn hashes_match_the_standard_argon2_api_both_ways() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        let salt = SaltString::generate(&mut OsRng);
        let standard = argon2()
            .hash_password(b"correct horse battery", &salt)
            .unwrap()
            .to_string();
        let mut blocks = workspace();
        assert!(verify_with("correct horse battery", &standard, &mut blocks));
        assert!(!verify_with(
            "correct horse battery!",
            &standard,
            &mut blocks
        ));
        let ours = hash_with("correct horse battery", &mut blocks);
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            argon2()
                .verify_password(b"correct horse battery", &parsed)
                .is_ok()
        );
        assert!(!verify_with("x", "not a phc string", &mut blocks));
    }

    #[test]
    fn new_passwords_have_a_length_range() {
        assert!(check_new("short").is_err());
        assert!(check_new("long enough!").is_ok());
        assert!(check_new(&"x".repeat(300)).is_err());
    }
}
