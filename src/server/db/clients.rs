//! `clients`: OAuth clients registered through RFC 7591 dynamic registration.

use sqlx::{Executor, FromRow};

use super::Db;
use super::columns::text_enum;
use crate::grant_type::{GrantType, GrantTypes};
use crate::model::{ClientIdentity, ClientSummary};
use crate::server::domain::redirect_uris::{RedirectUris, is_loopback};

text_enum! {
    /// Where a client's identity comes from: dynamic registration (RFC 7591), where the name
    /// is whatever the application declared, or a Client ID Metadata Document, where the
    /// client id is the https URL of a document its domain serves, fetched and checked by us.
    pub enum ClientOrigin {
        Registered = "registered",
        MetadataDocument = "metadata_document",
    }
}

text_enum! {
    /// `application_type` (OpenID Connect Dynamic Client Registration 1.0, section 2): a
    /// `web` application runs on a server and redirects to https; a `native` one runs on the
    /// person's device and may redirect to a loopback address (RFC 8252 section 7.3).
    pub enum ApplicationType {
        Web = "web",
        Native = "native",
    }
}

impl ApplicationType {
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Web, Self::Native]
            .into_iter()
            .find(|t| t.as_str() == name)
    }
}

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
    pub origin: ClientOrigin,
    pub application_type: ApplicationType,
    /// For a metadata document client: until when the stored copy may be used (unix seconds).
    pub metadata_expires_at: Option<i64>,
}

impl Client {
    pub fn may_use(&self, grant_type: GrantType) -> bool {
        self.grant_types.contains(grant_type)
    }

    pub fn is_confidential(&self) -> bool {
        self.secret_hash.is_some()
    }

    /// Who is asking, as the consent and device pages show it.
    pub fn summary(&self) -> ClientSummary {
        let identity = match self.origin {
            ClientOrigin::MetadataDocument => ClientIdentity::Verified {
                domain: url::Url::parse(&self.id)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_owned))
                    .unwrap_or_default(),
            },
            ClientOrigin::Registered => ClientIdentity::SelfDeclared,
        };
        let uris = self.redirect_uris.as_slice();
        let loopback_only = !uris.is_empty()
            && uris
                .iter()
                .all(|uri| url::Url::parse(uri).is_ok_and(|u| is_loopback(&u)));
        ClientSummary {
            name: self.name.clone(),
            identity,
            loopback_only,
        }
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("confidential", &self.is_confidential())
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

pub async fn insert<'e>(
    db: impl Executor<'e, Database = Db>,
    client: &Client,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO clients (id, name, secret_hash, redirect_uris, grant_types, created_at, \
           origin, application_type, metadata_expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&client.id)
    .bind(&client.name)
    .bind(&client.secret_hash)
    .bind(client.redirect_uris.to_stored())
    .bind(&client.grant_types)
    .bind(client.created_at)
    .bind(client.origin)
    .bind(client.application_type)
    .bind(client.metadata_expires_at)
    .execute(db)
    .await?;
    Ok(())
}

/// Stores a freshly fetched metadata document client, replacing the copy fetched before
/// (its id is the document's URL, so fetches from several instances land on one row).
pub async fn upsert_document<'e>(
    db: impl Executor<'e, Database = Db>,
    client: &Client,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO clients (id, name, secret_hash, redirect_uris, grant_types, created_at, \
           origin, application_type, metadata_expires_at) \
         VALUES ($1, $2, NULL, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
           redirect_uris = excluded.redirect_uris, grant_types = excluded.grant_types, \
           application_type = excluded.application_type, \
           metadata_expires_at = excluded.metadata_expires_at \
         WHERE clients.origin = excluded.origin",
    )
    .bind(&client.id)
    .bind(&client.name)
    .bind(client.redirect_uris.to_stored())
    .bind(&client.grant_types)
    .bind(client.created_at)
    .bind(client.origin)
    .bind(client.application_type)
    .bind(client.metadata_expires_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn find<'e>(
    db: impl Executor<'e, Database = Db>,
    id: &str,
) -> Result<Option<Client>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, name, secret_hash, redirect_uris, grant_types, created_at, origin, \
           application_type, metadata_expires_at FROM clients WHERE id = $1",
    )
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
