//! Password hashing: Argon2id with 19 MiB and 2 passes (OWASP ASVS 11.4.2), on a few threads
//! of its own, so that a flood of sign-ins can neither starve the server nor grow it.
//!
//! - One hashing thread for every two cores, each keeping its 19 MiB of Argon2 working memory for the
//!   next hash. (Allocated per hash, every thread's allocator arena kept its own 19 MiB after
//!   the first sign-in it ran: ten sign-ins grew the server by 200 MB for good.)
//! - The threads run in the idle scheduling class: when the cores are busy, requests that
//!   need no hash go first, and sign-ins take what is left.
//! - After each hash a thread rests [`REST_PER_HASH`] times the processor time the hash took,
//!   so that hashing takes at most an eighth of its core however many sign-ins arrive. The idle
//!   class alone does not keep hashing out of other requests' way: Linux's scheduler still
//!   gives an idle-class thread whole time slices now and then, and once it has the core a
//!   thread that is ready to run may wait for the next scheduler tick (4 ms at 250 Hz); a
//!   scheduler trace during a sign-in storm showed a ready thread waiting 2.2 ms so. The fewer
//!   hashes run, the rarer those waits: beside a storm, `whoami`'s p99 on 8 connections rose
//!   1.66x to 1.92x over its calm p99 with a rest of 3, and 1.12x to 1.37x with 7. One sign-in
//!   alone never waits for a rest; a flood is answered at up to about 7 sign-ins a second per
//!   thread, fewer when other requests keep the cores busy.
//! - At most [`MAX_WAITING`] hashes wait for a thread, each for at most [`MAX_WAIT`]; a sign-in
//!   beyond that is told to try again ([`HashError::Busy`], answered 503 with `Retry-After`).

use std::sync::Arc;
use std::time::Duration;

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::{Semaphore, oneshot};

/// Shortest password accepted.
pub const MIN_LENGTH: usize = 10;
/// Longest password accepted (bounds hashing work).
pub const MAX_LENGTH: usize = 256;
/// Hashes that may wait for a thread at once, beyond one per thread.
pub const MAX_WAITING: usize = 128;
/// Longest a hash may wait for a thread, and run, before the request is told to retry.
pub const MAX_WAIT: Duration = Duration::from_secs(3);
/// Seconds a client told to retry is asked to wait (`Retry-After`).
pub const BUSY_RETRY_AFTER: u64 = 1;
/// How many times the processor time of a hash a hashing thread rests after it: 7 leaves
/// hashing an eighth of its core.
pub const REST_PER_HASH: u32 = 7;

/// A hash to run on a hashing thread, with that thread's working memory.
type Job = Box<dyn FnOnce(&mut Vec<Block>) + Send>;

/// Hashes and verifies passwords; cheap to clone. The hashing threads end when the last clone
/// is dropped.
#[derive(Clone)]
pub struct PasswordHasher {
    jobs: flume::Sender<Job>,
    /// One permit per hash running or waiting.
    admission: Arc<Semaphore>,
    max_wait: Duration,
    /// Verified against when the email is unknown, so both cases take the same time.
    decoy: Arc<String>,
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

impl PasswordHasher {
    /// One hashing thread for every two cores, [`MAX_WAITING`] waiting, [`MAX_WAIT`] each.
    pub fn new() -> Self {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        Self::with_limits(cores.div_ceil(2), MAX_WAITING, MAX_WAIT, REST_PER_HASH)
    }

    /// `threads` hashing threads, at most `waiting` hashes waiting, each for at most `max_wait`;
    /// after each hash a thread rests `rest` times the processor time the hash took.
    pub fn with_limits(threads: usize, waiting: usize, max_wait: Duration, rest: u32) -> Self {
        let (jobs, queue) = flume::unbounded::<Job>();
        for _ in 0..threads.max(1) {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name("password-hash".into())
                .spawn(move || {
                    lower_priority();
                    let mut blocks = Vec::new();
                    while let Ok(job) = queue.recv() {
                        let started = thread_cpu_time();
                        job(&mut blocks);
                        std::thread::sleep(thread_cpu_time().saturating_sub(started) * rest);
                    }
                })
                .expect("spawn a password hashing thread");
        }
        let decoy = hash_with("decoy password for unknown accounts", &mut Vec::new());
        Self {
            jobs,
            admission: Arc::new(Semaphore::new(threads.max(1) + waiting)),
            max_wait,
            decoy: Arc::new(decoy),
        }
    }

    /// A PHC string for storage.
    pub async fn hash(&self, password: String) -> Result<String, HashError> {
        self.run(move |blocks| hash_with(&password, blocks)).await
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
            .run(move |blocks| verify_with(&password, &stored, blocks))
            .await?;
        Ok(known && matches)
    }

    /// Runs `work` on a hashing thread, if one is free soon enough. A hash whose caller has
    /// given up waiting is skipped rather than run for nobody.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let Ok(_admitted) = self.admission.clone().try_acquire_owned() else {
            return Err(HashError::Busy);
        };
        let (done, answer) = oneshot::channel();
        let job: Job = Box::new(move |blocks| {
            if !done.is_closed() {
                let _ = done.send(work(blocks));
            }
        });
        self.jobs.send(job).map_err(|_| HashError::Closed)?;
        match tokio::time::timeout(self.max_wait, answer).await {
            Ok(Ok(result)) => Ok(result),
            Ok(Err(_)) => Err(HashError::Closed),
            Err(_) => Err(HashError::Busy),
        }
    }
}

/// Puts the calling thread in Linux's idle scheduling class: it runs on a core that nothing
/// else wants, and gives the core up at once when a request thread wakes. Where that is
/// refused, it falls back to the lowest nice value, and failing that keeps its priority.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: both calls read only their arguments (`param` lives across the call); a pid of
    // 0 and the thread's own id name the calling thread.
    unsafe {
        let param = libc::sched_param { sched_priority: 0 };
        if libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) != 0 {
            libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, 19);
        }
    }
}

/// The processor time the calling thread has used.
fn thread_cpu_time() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` lives across the call, which only writes it.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

impl Default for PasswordHasher {
    fn default() -> Self {
        Self::new()
    }
}

/// A PHC string for `password` with a fresh salt, hashed in `blocks` (grown to size first).
fn hash_with(password: &str, blocks: &mut Vec<Block>) -> String {
    let argon2 = argon2();
    if blocks.len() < argon2.params().block_count() {
        blocks.resize(argon2.params().block_count(), Block::default());
    }
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    let phc = salt
        .decode_b64(&mut salt_bytes)
        .map_err(|err| err.to_string())
        .and_then(|salt_bytes| {
            argon2
                .hash_password_into_with_memory(
                    password.as_bytes(),
                    salt_bytes,
                    &mut out,
                    &mut blocks[..],
                )
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
pub fn check_new(password: &str) -> Result<(), PasswordRule> {
    let chars = password.chars().count();
    if chars < MIN_LENGTH {
        return Err(PasswordRule::TooShort);
    }
    if chars > MAX_LENGTH {
        return Err(PasswordRule::TooLong);
    }
    Ok(())
}

/// The rule a new password breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRule {
    #[error("Use a password of at least {MIN_LENGTH} characters.")]
    TooShort,
    #[error("Use a password of at most {MAX_LENGTH} characters.")]
    TooLong,
}

/// Failures of the hashing machinery itself (never a wrong password).
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("password hashing threads have stopped")]
    Closed,
    #[error("every password hashing thread is busy")]
    Busy,
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
        let mut blocks = Vec::new();
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

    /// Beyond the threads and the waiting room, a hash is refused at once; a hash that waits
    /// too long is given up; neither stops the next one from running.
    #[tokio::test]
    async fn excess_hashes_are_turned_away_instead_of_queued() {
        let hasher = PasswordHasher::with_limits(1, 1, Duration::from_secs(30), 0);
        let running = tokio::spawn({
            let hasher = hasher.clone();
            async move { hasher.verify("first password".into(), None).await }
        });
        let waiting = tokio::spawn({
            let hasher = hasher.clone();
            async move { hasher.verify("second password".into(), None).await }
        });
        tokio::task::yield_now().await;
        while hasher.admission.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        assert!(matches!(
            hasher.verify("third password".into(), None).await,
            Err(HashError::Busy)
        ));
        assert!(!running.await.unwrap().unwrap());
        assert!(!waiting.await.unwrap().unwrap());

        let impatient = PasswordHasher::with_limits(1, 4, Duration::ZERO, 0);
        assert!(matches!(
            impatient.verify("any password".into(), None).await,
            Err(HashError::Busy)
        ));
        let patient = PasswordHasher {
            max_wait: Duration::from_secs(30),
            ..impatient
        };
        assert!(!patient.verify("any password".into(), None).await.unwrap());
    }

    /// A hash runs at once on a rested thread; the next one waits out the rest, a multiple of
    /// the processor time the last one took.
    #[tokio::test]
    async fn a_thread_rests_after_each_hash_in_proportion_to_it() {
        use std::time::Instant;
        let hasher = PasswordHasher::with_limits(1, 4, Duration::from_secs(30), 150);
        let work = |_: &mut Vec<Block>| {
            let started = thread_cpu_time();
            while thread_cpu_time() - started < Duration::from_millis(20) {
                std::hint::spin_loop();
            }
        };
        let lone = Instant::now();
        hasher.run(work).await.unwrap();
        assert!(
            lone.elapsed() < Duration::from_millis(1500),
            "{:?}",
            lone.elapsed()
        );
        let next = Instant::now();
        hasher.run(work).await.unwrap();
        assert!(
            next.elapsed() >= Duration::from_millis(2500),
            "{:?}",
            next.elapsed()
        );
    }

    #[test]
    fn new_passwords_have_a_length_range() {
        assert!(check_new("short").is_err());
        assert!(check_new("long enough!").is_ok());
        assert!(check_new(&"x".repeat(300)).is_err());
    }
}
