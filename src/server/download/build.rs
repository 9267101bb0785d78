//! The file offered at /download/agent-connect, and its SHA-256.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

use crate::model::CliDownload;

/// The file offered for download and its hash, computed once on first use.
pub struct CliBuild {
    path: PathBuf,
    sha256: OnceCell<Option<String>>,
}

impl CliBuild {
    /// The configured file, or this server's own executable. A configured file that does not
    /// exist stops start-up.
    pub fn new(configured: Option<PathBuf>) -> anyhow::Result<Self> {
        let path = match configured {
            Some(path) => {
                anyhow::ensure!(
                    path.is_file(),
                    "AGENT_CONNECT_CLI_BINARY {} is not a file",
                    path.display()
                );
                path
            }
            None => std::env::current_exe()?,
        };
        Ok(Self {
            path,
            sha256: OnceCell::new(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The hex SHA-256 of the file; `None` when it cannot be read (then nothing is offered).
    pub async fn sha256(&self) -> Option<String> {
        self.sha256
            .get_or_init(|| {
                let path = self.path.clone();
                async move {
                    let hashed = tokio::task::spawn_blocking(move || -> std::io::Result<String> {
                        let mut file = std::fs::File::open(&path)?;
                        let mut hasher = Sha256::new();
                        std::io::copy(&mut file, &mut hasher)?;
                        Ok(hex::encode(hasher.finalize()))
                    })
                    .await;
                    match hashed {
                        Ok(Ok(hex)) => Some(hex),
                        Ok(Err(err)) => {
                            tracing::warn!(%err, "the command-line client cannot be offered for download");
                            None
                        }
                        Err(err) => {
                            tracing::warn!(%err, "hashing the command-line client failed");
                            None
                        }
                    }
                }
            })
            .await
            .clone()
    }

    /// What the CLI tab says about the download, if there is one.
    pub async fn describe(&self) -> Option<CliDownload> {
        Some(CliDownload {
            sha256: self.sha256().await?,
            platform: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
        })
    }
}
