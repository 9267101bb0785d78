//! Server functions: the pages' private RPC. Thin: each reads the request context, calls into
//! `server`, and answers with a view model or an [`AppError`](crate::error::AppError).

pub mod account;
pub mod agent;
pub mod connect;
pub mod consent;
pub mod device;
pub mod security;
