//! `clients`: OAuth clients registered through RFC 7591 dynamic registration.

use sqlx::{Executor, FromRow};

use super::Db;
use crate::grant_type::{GrantType, GrantTypes};
use crate::server::redirect_uris::RedirectUris;

#[derive(Clone, FromRow)]
pub struct Client {
    pub id: String,
    pub name: String,
    /// SHA-256 of the secret of a confidential client; `None` for a public client.
    pub secret_hash: Option<String>,
    /// Registered redirect URIs, stored as a JSON array and validated again when read.
    #[sqlx(try_from = "String")]
    pub redirect_uris: RedirectUris,
    /// Grant types the client may use.
    pub grant_types: GrantTypes,
    pub created_at: i64,
}

impl Client {
    pub fn may_use(&self, grant_type: GrantType) -> bool {
        self.grant_types.contains(grant_type)
    }

    pub fn is_confidential(&self) -> bool {
        self.secret_hash.is_some()
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("confidential", &self.is_confidential())
            .finish_non_exhaustive()
    }
}

pub async fn insert<'e>(
    db: impl Executor<'e, Database = Db>,
    client: &Client,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO clients (id, name, secret_hash, redirect_uris, grant_types, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&client.id)
    .bind(&client.name)
    .bind(&client.secret_hash)
    .bind(client.redirect_uris.to_stored())
    .bind(&client.grant_types)
    .bind(client.created_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn find<'e>(
    db: impl Executor<'e, Database = Db>,
    id: &str,
) -> Result<Option<Client>, sqlx::Error> {
    sqlx::query_as("SELECT id, name, secret_hash, redirect_uris, grant_types, created_at FROM clients WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Deletes clients registered before `cutoff` that no grant and no device request names:
/// registrations nobody used, which anyone can create (RFC 7591 section 3 lets a server
/// expire them). A client that comes back registers again.
pub async fn delete_unused<'e>(
    db: impl Executor<'e, Database = Db>,
    cutoff: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM clients WHERE created_at < $1 \
           AND NOT EXISTS (SELECT 1 FROM grants g WHERE g.client_id = clients.id) \
           AND NOT EXISTS (SELECT 1 FROM device_codes d WHERE d.client_id = clients.id)",
    )
    .bind(cutoff)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}
