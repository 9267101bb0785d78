//! Opaque bearer secrets: 256 random bits, base64url, behind a prefix that says what they are
//! (`acat_` access token, `acrt_` refresh token). Only their SHA-256 is ever stored.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

pub const ACCESS_PREFIX: &str = "acat_";
pub const REFRESH_PREFIX: &str = "acrt_";
/// Access tokens live 30 minutes.
pub const ACCESS_TTL: i64 = 1_800;
/// Refresh tokens live 30 days.
pub const REFRESH_TTL: i64 = 30 * 86_400;

/// `prefix` followed by 256 random bits.
pub fn new_secret(prefix: &str) -> String {
    format!("{prefix}{}", random_b64(32))
}

/// A random identifier (ids are not secrets, but need not be guessable either).
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}{}", random_b64(15))
}

/// An identifier that sorts by creation time: the milliseconds since 1970 in 12 hex digits,
/// then 72 random bits. Rows keyed by it, and indexes on it, grow at their end, so a batch of
/// new rows dirties a few pages of each index rather than one page per row.
pub fn new_ordered_id(prefix: &str) -> String {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    format!(
        "{prefix}{:012x}{}",
        millis & 0xffff_ffff_ffff,
        random_b64(9)
    )
}

fn random_b64(len: usize) -> String {
    let mut bytes = vec![0u8; len];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a secret: SHA-256, hex.
pub fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A short, safe handle for logs: the first 8 hex digits of the hash.
pub fn log_id(secret: &str) -> String {
    hash(secret)[..8].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_have_their_prefix_and_256_bits() {
        let token = new_secret(ACCESS_PREFIX);
        assert!(token.starts_with("acat_"));
        assert_eq!(URL_SAFE_NO_PAD.decode(&token[5..]).unwrap().len(), 32);
        assert_ne!(token, new_secret(ACCESS_PREFIX));
    }

    #[test]
    fn ordered_ids_sort_by_creation_and_differ() {
        let first = new_ordered_id("gr_");
        std::thread::sleep(std::time::Duration::from_millis(2));
        let second = new_ordered_id("gr_");
        assert!(first < second, "{first} then {second}");
        assert_eq!(first.len(), "gr_".len() + 12 + 12);
        assert_ne!(new_ordered_id("gr_"), new_ordered_id("gr_"));
    }

    #[test]
    fn hash_is_sha256_hex() {
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(log_id("abc"), "ba7816bf");
    }
}
