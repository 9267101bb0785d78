//! The authorization endpoint (RFC 6749 section 4.1 with PKCE, RFC 7636, as OAuth 2.1 and
//! RFC 9700 section 2.1 require). `GET /oauth2/authorize` is the consent page of the portal
//! (`pages::consent`), which checks the request here; the person's decision is posted to
//! [`decision::decide`], which answers with [`pages`] rendered by Leptos.

pub mod decision;
pub mod pages;
pub mod request;
