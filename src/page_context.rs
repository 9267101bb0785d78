//! The page context: what every page and the header read about the visitor (the account, whether
//! sign-up is open, a pending form error), loaded once per navigation. Views depend on this
//! module, never on the router of pages that provides it.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::api::account::fetch_page_context;
use crate::error::AppError;
use crate::model::PageContext;

/// What every page can read: the visitor's account and any pending form error.
pub type PageResource = Resource<Result<PageContext, AppError>>;

/// Reads the page context once per navigation and shares it with the header and the page.
#[component]
pub fn PageContextProvider(children: Children) -> impl IntoView {
    let location = use_location();
    let page: PageResource =
        Resource::new(move || location.pathname.get(), |_| fetch_page_context());
    provide_context(page);
    children()
}

/// The page context [`PageContextProvider`] shares.
pub fn use_page_context() -> PageResource {
    expect_context::<PageResource>()
}
