//! Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document; MCP
//! authorization 2025-11-25, section "Client ID Metadata Documents", the registration MCP
//! prefers): a client may use the https URL of a JSON document it publishes as its
//! `client_id`, instead of registering. At `/oauth2/authorize` and `/oauth2/token` such an id
//! is resolved by fetching the document ([`fetch`]), which must name itself and list the
//! redirect URIs ([`document`]). The checked document is kept in the `clients` table, shared
//! by every instance, for as long as its `Cache-Control` allows within 30 s to 24 h; a failed
//! fetch stores nothing, so errors are never cached.

pub mod address;
pub mod document;
pub mod error;
pub mod fetch;

use std::net::IpAddr;

use anyhow::Context;

use crate::grant_type::GrantTypes;
use crate::server::app::config::ServeConfig;
use crate::server::app::state::AppState;
use crate::server::db::clients::{self, Client, ClientOrigin};
use crate::server::domain::ratelimit::Action;
use crate::server::domain::redirect_uris::is_loopback;

pub use document::is_document_url;
pub use error::MetadataError;
pub use fetch::Fetcher;

/// The fetcher, as configured: the operator's extra certificate authorities, and loopback
/// reachable only when this server's public URL is itself on loopback.
pub fn fetcher(config: &ServeConfig) -> anyhow::Result<Fetcher> {
    let mut roots = Vec::new();
    if let Some(path) = &config.client_metadata_ca_file {
        let pem = std::fs::read(path).with_context(|| {
            format!(
                "cannot read AGENT_CONNECT_CLIENT_METADATA_CA_FILE {}",
                path.display()
            )
        })?;
        roots = reqwest::Certificate::from_pem_bundle(&pem).with_context(|| {
            format!(
                "AGENT_CONNECT_CLIENT_METADATA_CA_FILE {} holds no PEM certificate",
                path.display()
            )
        })?;
        anyhow::ensure!(
            !roots.is_empty(),
            "AGENT_CONNECT_CLIENT_METADATA_CA_FILE {} holds no PEM certificate",
            path.display()
        );
    }
    Ok(Fetcher::new(roots, is_loopback(&config.public_url)))
}

/// The client a request names: a registered client from the database, or a metadata document
/// client, from the stored copy while it is fresh and fetched again after. With `addr` (the
/// authorization endpoint, where a person arrives) a document never seen before is fetched,
/// counted against that address like a registration; without it (the token endpoint and the
/// consent decision, which follow an authorization) only documents already stored are
/// refreshed, so a stranger's token requests cannot make this server fetch new URLs.
pub async fn find_client(
    state: &AppState,
    client_id: &str,
    addr: Option<IpAddr>,
) -> Result<Option<Client>, MetadataError> {
    if !is_document_url(client_id) {
        return Ok(clients::find(&state.db, client_id).await?);
    }
    let url = document::check_url(client_id)?;
    let now = state.now();
    let stored = clients::find(&state.db, client_id).await?;
    if let Some(client) = &stored
        && client.origin == ClientOrigin::MetadataDocument
        && client.metadata_expires_at.is_some_and(|at| at > now)
    {
        return Ok(stored);
    }
    match (addr, &stored) {
        (Some(addr), _) => state
            .limits
            .check(Action::RegisterClient, addr)
            .await
            .map_err(MetadataError::RateLimited)?,
        (None, Some(_)) => {}
        (None, None) => return Ok(None),
    }
    let fetched = state.client_metadata.fetch(&url).await?;
    let checked = document::check_document(client_id, &fetched.body)?;
    let lifetime = document::cache_lifetime(fetched.cache_control.as_deref());
    let client = Client {
        id: client_id.to_owned(),
        name: checked.name,
        secret_hash: None,
        redirect_uris: checked.redirect_uris,
        grant_types: GrantTypes::new(checked.grant_types),
        created_at: stored.as_ref().map_or(now, |c| c.created_at),
        origin: ClientOrigin::MetadataDocument,
        application_type: checked.application_type,
        metadata_expires_at: Some(now + lifetime.as_secs() as i64),
    };
    clients::upsert_document(&state.db, &client).await?;
    tracing::info!(client = %client.id, name = %client.name, ttl = lifetime.as_secs(), "client metadata document fetched");
    Ok(Some(client))
}
