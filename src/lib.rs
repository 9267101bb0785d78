//! Agent Connect: a portal where people authorize AI agents with one-time codes, and the
//! OAuth 2.1 authorization server behind it.
//!
//! The crate builds twice: with `ssr` as the server binary and with `hydrate` as the wasm
//! bundle that makes the pages interactive. Everything server-only lives under [`server`].

// The code panel island's view type is deep enough to need more than the default 128.
#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod components;
pub mod error;
pub mod grant_type;
pub mod instructions;
pub mod language;
pub mod lifetime;
pub mod links;
pub mod model;
pub mod page_context;
pub mod pages;
pub mod scopes;
pub mod timefmt;

#[cfg(feature = "ssr")]
pub mod cli;
#[cfg(feature = "ssr")]
pub mod command;
#[cfg(feature = "ssr")]
pub mod server;

/// Entry point of the wasm bundle: brings the islands of the server-rendered page to life.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
