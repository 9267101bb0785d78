//! The site header (the product name and, for a signed-in person, the navigation and
//! sign-out) and the language switcher in the footer.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::components::A;

use crate::api::account::SetLanguage;
use crate::components::form::ReturnHere;
use crate::language::{self, endonym, td_string};
use crate::page_context::use_page_context;

#[component]
pub fn SiteHeader() -> impl IntoView {
    let page = use_page_context();
    let locale = language::current();
    view! {
        <header class="site-header">
            <a class="brand" href="/connect">
                <span class="brand-mark" aria-hidden="true"></span>
                "Agent Connect"
            </a>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let account = page.await.ok().and_then(|ctx| ctx.account);
                    account.map(|account| view! {
                        <nav class="site-nav" aria-label=td_string!(locale, common.nav_main)>
                            <A href="/connect">{td_string!(locale, common.nav_connect)}</A>
                            <A href="/security">{td_string!(locale, common.nav_security)}</A>
                        </nav>
                        <form class="sign-out" method="post" action="/logout">
                            <span class="who" title=td_string!(locale, common.signed_in)>{account.email}</span>
                            <button type="submit" class="btn btn-quiet">{td_string!(locale, common.sign_out)}</button>
                        </form>
                    })
                })}
            </Transition>
        </header>
    }
}

/// One button per language, each named in its own language; the choice is remembered in a
/// cookie and the same page comes back in it. A plain form, so it works without JavaScript.
#[component]
pub fn LanguageSwitcher() -> impl IntoView {
    let locale = language::current();
    view! {
        <form class="language" method="post" action=SetLanguage::url()>
            <ReturnHere/>
            <fieldset>
                <legend>{td_string!(locale, common.language)}</legend>
                {language::ALL
                    .into_iter()
                    .map(|choice| {
                        let current = choice == locale;
                        view! {
                            <button
                                type="submit"
                                name="lang"
                                value=language::tag(choice)
                                lang=language::tag(choice)
                                class="btn btn-quiet"
                                aria-pressed=current.to_string()
                            >
                                {endonym(choice)}
                            </button>
                        }
                    })
                    .collect_view()}
            </fieldset>
        </form>
    }
}
