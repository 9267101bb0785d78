//! The site header: the product name and, for a signed-in person, the navigation and sign-out.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::page_context::use_page_context;

#[component]
pub fn SiteHeader() -> impl IntoView {
    let page = use_page_context();
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
                        <nav class="site-nav" aria-label="Main">
                            <A href="/connect">"Connect an agent"</A>
                            <A href="/security">"Security"</A>
                        </nav>
                        <form class="sign-out" method="post" action="/logout">
                            <span class="who" title="Signed in">{account.email}</span>
                            <button type="submit" class="btn btn-quiet">"Sign out"</button>
                        </form>
                    })
                })}
            </Transition>
        </header>
    }
}
