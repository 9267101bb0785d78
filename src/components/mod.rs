//! Small views shared by the pages.

pub mod browser;
pub mod client_identity;
pub mod code_panel;
pub mod form;
pub mod grant_scopes;
pub mod header;
pub mod scope_item;
