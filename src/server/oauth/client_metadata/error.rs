//! Why a metadata document client cannot be used.

use std::net::IpAddr;

/// Why a metadata document client cannot be used; the text is for the application's developer
/// (shown on the consent page, or as `error_description`).
#[derive(Debug, thiserror::Error)]
pub enum MetadataError {
    #[error("The client_id URL cannot be used: {0}.")]
    BadUrl(&'static str),
    #[error("The client metadata document could not be fetched: {0}.")]
    Unreachable(String),
    #[error(
        "The client metadata document could not be fetched: its host has the private or \
         special-use address {0}."
    )]
    SpecialAddress(IpAddr),
    #[error("The client metadata document is larger than 5 KB.")]
    TooLarge,
    #[error("The client metadata document cannot be used: {0}.")]
    BadDocument(String),
    #[error("Too many new applications from this address. Try again in {0} seconds.")]
    RateLimited(u64),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}
