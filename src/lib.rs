//! Agent Connect: a portal where people authorize AI agents with one-time codes, and the
//! OAuth 2.1 authorization server behind it.
//!
//! The crate builds twice: with `ssr` as the server binary and with `hydrate` as the wasm
//! bundle that makes the pages interactive. Everything server-only lives under [`server`].

pub mod api;
pub mod app;
pub mod components;
pub mod error;
pub mod instructions;
pub mod links;
pub mod model;
pub mod pages;
pub mod scopes;
pub mod timefmt;

#[cfg(feature = "ssr")]
pub mod cli;
#[cfg(feature = "ssr")]
pub mod server;

/// Entry point of the wasm bundle: attaches the app to the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
