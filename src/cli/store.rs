//! Saved credentials of the command-line client: one JSON file per client id under
//! `~/.agent-connect/tokens/`, readable by the owner only (file 0600, directory 0700), and
//! always replaced atomically (write a temporary file, sync, rename). A refresh reads, rotates
//! and writes the tokens under the store's exclusive file lock (`tokens.lock`), so two processes never
//! present the same refresh token: the second waits, then finds the rotated one.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// What the client keeps after a login or a refresh.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedTokens {
    pub server: String,
    pub client_id: String,
    pub agent_name: String,
    pub scope: String,
    pub access_token: String,
    pub refresh_token: String,
    /// Unix seconds when the access token stops working.
    pub expires_at: i64,
}

impl std::fmt::Debug for SavedTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SavedTokens")
            .field("server", &self.server)
            .field("client_id", &self.client_id)
            .field("scope", &self.scope)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// The folder of saved tokens.
#[derive(Debug, Clone)]
pub struct TokenStore {
    dir: PathBuf,
}

impl TokenStore {
    /// `~/.agent-connect/tokens`, or `$AGENT_CONNECT_HOME/tokens` when that is set.
    pub fn default_location() -> Result<Self, String> {
        let base = match std::env::var_os("AGENT_CONNECT_HOME") {
            Some(home) => PathBuf::from(home),
            None => std::env::home_dir()
                .ok_or("cannot find your home directory; set AGENT_CONNECT_HOME")?
                .join(".agent-connect"),
        };
        Ok(Self {
            dir: base.join("tokens"),
        })
    }

    pub fn at(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path_for(&self, client_id: &str) -> Result<PathBuf, String> {
        let safe = !client_id.is_empty()
            && client_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if safe {
            Ok(self.dir.join(client_id))
        } else {
            Err(format!(
                "the server sent an unusable client id {client_id:?}"
            ))
        }
    }

    /// Writes `tokens` atomically, creating the folder with owner-only access.
    pub fn save(&self, tokens: &SavedTokens) -> Result<PathBuf, String> {
        let path = self.path_for(&tokens.client_id)?;
        create_private_dir(&self.dir)?;
        let json = serde_json::to_vec_pretty(tokens).map_err(|e| e.to_string())?;
        let tmp = self
            .dir
            .join(format!(".{}.tmp-{}", tokens.client_id, std::process::id()));
        let write = || -> std::io::Result<()> {
            let mut file = private_file(&tmp)?;
            file.write_all(&json)?;
            file.sync_all()?;
            fs::rename(&tmp, &path)?;
            Ok(())
        };
        write().map_err(|e| {
            let _ = fs::remove_file(&tmp);
            format!("cannot save tokens to {}: {e}", path.display())
        })?;
        Ok(path)
    }

    /// The saved tokens, newest first; only those for `server` when given.
    pub fn list(&self, server: Option<&str>) -> Result<Vec<(PathBuf, SavedTokens)>, String> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(format!("cannot read {}: {e}", self.dir.display())),
        };
        let mut found = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let Ok(text) = fs::read(&path) else { continue };
            let Ok(tokens) = serde_json::from_slice::<SavedTokens>(&text) else {
                continue;
            };
            if server.is_some_and(|s| s.trim_end_matches('/') != tokens.server) {
                continue;
            }
            let modified = entry.metadata().and_then(|m| m.modified()).ok();
            found.push((modified, path, tokens));
        }
        found.sort_by_key(|entry| std::cmp::Reverse(entry.0));
        Ok(found
            .into_iter()
            .map(|(_, path, tokens)| (path, tokens))
            .collect())
    }

    /// Takes the store's exclusive lock (an advisory lock on `tokens.lock` beside the
    /// folder, so the folder holds only saved logins), waiting for any other process that
    /// holds it. Released when the guard is dropped.
    pub fn lock(&self) -> Result<StoreLock, String> {
        create_private_dir(&self.dir)?;
        let path = self.lock_path();
        let file = lock_file(&path)
            .and_then(|file| file.lock().map(|()| file))
            .map_err(|e| format!("cannot lock {}: {e}", path.display()))?;
        Ok(StoreLock { _file: file })
    }

    fn lock_path(&self) -> PathBuf {
        self.dir.with_extension("lock")
    }

    pub fn remove(&self, client_id: &str) -> Result<(), String> {
        let path = self.path_for(client_id)?;
        fs::remove_file(&path).map_err(|e| format!("cannot delete {}: {e}", path.display()))
    }
}

/// The store's lock, held until dropped (closing the file releases it).
#[derive(Debug)]
pub struct StoreLock {
    _file: fs::File,
}

#[cfg(unix)]
fn lock_file(path: &Path) -> std::io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn lock_file(path: &Path) -> std::io::Result<fs::File> {
    fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> Result<(), String> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .and_then(|()| fs::set_permissions(dir, fs::Permissions::from_mode(0o700)))
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> Result<(), String> {
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))
}

#[cfg(unix)]
fn private_file(path: &Path) -> std::io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn private_file(path: &Path) -> std::io::Result<fs::File> {
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(client_id: &str) -> SavedTokens {
        SavedTokens {
            server: "http://127.0.0.1:3000".into(),
            client_id: client_id.into(),
            agent_name: "CLI".into(),
            scope: "quote".into(),
            access_token: "acat_x".into(),
            refresh_token: "acrt_y".into(),
            expires_at: 1,
        }
    }

    #[test]
    fn saves_privately_and_lists_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::at(dir.path().join("tokens"));
        let path = store.save(&sample("agent_abc")).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
            assert_eq!(
                fs::metadata(store.dir()).unwrap().permissions().mode() & 0o777,
                0o700
            );
        }
        let mut updated = sample("agent_abc");
        updated.refresh_token = "acrt_z".into();
        store.save(&updated).unwrap();
        let listed = store.list(None).unwrap();
        assert_eq!(
            listed.len(),
            1,
            "replaced, not duplicated; no temporary file left"
        );
        assert_eq!(listed[0].1, updated);
        assert!(store.list(Some("http://elsewhere")).unwrap().is_empty());
        store.remove("agent_abc").unwrap();
        assert!(store.list(None).unwrap().is_empty());
    }

    #[test]
    fn the_lock_is_exclusive_between_handles() {
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::at(dir.path().join("tokens"));
        let held = store.lock().unwrap();
        // A second open file description is what another process would have.
        let other = lock_file(&store.lock_path()).unwrap();
        assert!(matches!(
            other.try_lock(),
            Err(fs::TryLockError::WouldBlock)
        ));
        drop(held);
        other.try_lock().unwrap();
        assert_eq!(
            fs::read_dir(store.dir()).unwrap().count(),
            0,
            "the folder holds only saved logins"
        );
    }

    #[test]
    fn refuses_client_ids_that_are_paths() {
        let store = TokenStore::at("/tmp/unused");
        assert!(store.save(&sample("../evil")).is_err());
        assert!(store.save(&sample("")).is_err());
    }
}
