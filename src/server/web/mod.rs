//! Cross-cutting HTTP layers, one job per module: the edge layer every request passes, which
//! combines the client's address, the request body limit and the security headers, the cross-site POST check, the portal's deadline, the busy answer, the
//! answer to a session that could not be saved, the answers of server functions (with the rewrite of Leptos's
//! form redirect), and the request metrics with their `/metrics` endpoint.

pub mod body_limit;
pub mod busy;
pub mod client_addr;
pub mod deadline;
pub mod edge;
pub mod form_answers;
pub mod headers;
pub mod origin;
pub mod prometheus;
pub mod server_fn_redirect;
pub mod unsaved_session;

pub use client_addr::ClientAddr;
