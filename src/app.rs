//! The HTML shell and the router of pages. Pages render on the server only; the code panel is
//! the one island that hydrates in the browser (see `components::code_panel`).

use leptos::prelude::*;
use leptos_meta::{Link, Meta, MetaTags, Title, provide_meta_context};
use leptos_router::components::{Redirect, Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::components::header::{LanguageSwitcher, SiteHeader};
use crate::language::{self, td_string};
use crate::page_context::PageContextProvider;
use crate::pages::{
    agent::AgentPage, connect::ConnectPage, consent::ConsentPage, device::DevicePage,
    login::LoginPage, not_found::NotFound, security::SecurityPage, signup::SignupPage,
};

/// The document around the app, rendered on the server. `stylesheet` is the stylesheet's
/// (content-hashed) address.
pub fn shell(options: LeptosOptions, stylesheet: String) -> impl IntoView {
    let locale = language::current();
    view! {
        <!DOCTYPE html>
        <html lang=language::tag(locale)>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options islands=true/>
                <link rel="stylesheet" id="leptos" href=stylesheet/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Read once from the request; every view below translates with it.
    let locale = language::current();
    provide_context(locale);
    view! {
        <Link rel="icon" href="/favicon.svg" type_="image/svg+xml"/>
        <Meta name="color-scheme" content="light dark"/>
        <Meta name="description" content=td_string!(locale, common.description)/>
        <Title formatter=|page: String| if page.is_empty() { "Agent Connect".to_owned() } else { format!("{page} · Agent Connect") }/>
        <Router>
            <PageContextProvider>
                <a class="skip-link" href="#main">{td_string!(locale, common.skip_to_content)}</a>
                <SiteHeader/>
                <main id="main" tabindex="-1">
                    <Routes fallback=NotFound>
                        <Route path=path!("/") view=|| view! { <Redirect path="/connect"/> } ssr=SsrMode::Async/>
                        <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                        <Route path=path!("/signup") view=SignupPage ssr=SsrMode::Async/>
                        <Route path=path!("/connect") view=ConnectPage ssr=SsrMode::Async/>
                        <Route path=path!("/security") view=SecurityPage ssr=SsrMode::Async/>
                        <Route path=path!("/security/agents/:id") view=AgentPage ssr=SsrMode::Async/>
                        <Route path=path!("/oauth2/authorize") view=ConsentPage ssr=SsrMode::Async/>
                        <Route path=path!("/device") view=DevicePage ssr=SsrMode::Async/>
                    </Routes>
                </main>
                <footer class="site-footer">
                    <p>{td_string!(locale, common.footer)}</p>
                    <LanguageSwitcher/>
                </footer>
            </PageContextProvider>
        </Router>
    }
}
