//! Any path the portal does not know.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::language::{self, td_string};

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    let locale = language::current();
    view! {
        <Title text=td_string!(locale, common.not_found_title)/>
        <section class="card narrow">
            <h1>{td_string!(locale, common.not_found_title)}</h1>
            <p class="lede">{td_string!(locale, common.not_found_lede)}</p>
            <a class="btn btn-primary" href="/connect">{td_string!(locale, common.not_found_action)}</a>
        </section>
    }
}
