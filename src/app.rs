//! The HTML shell and the router of pages. Pages render on the server only; the code panel is
//! the one island that hydrates in the browser (see `components::code_panel`).

use leptos::prelude::*;
use leptos_meta::{Link, Meta, MetaTags, Title, provide_meta_context};
use leptos_router::components::{Redirect, Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::components::header::SiteHeader;
use crate::page_context::PageContextProvider;
use crate::pages::{
    agent::AgentPage, connect::ConnectPage, consent::ConsentPage, device::DevicePage,
    login::LoginPage, not_found::NotFound, security::SecurityPage, signup::SignupPage,
};

/// The document around the app, rendered on the server. `stylesheet` is the stylesheet's
/// (content-hashed) address.
pub fn shell(options: LeptosOptions, stylesheet: String) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
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
    view! {
        <Link rel="icon" href="/favicon.svg" type_="image/svg+xml"/>
        <Meta name="color-scheme" content="light dark"/>
        <Meta name="description" content="Authorize AI agents to act on your account, with only the permissions you choose."/>
        <Title formatter=|page: String| if page.is_empty() { "Agent Connect".to_owned() } else { format!("{page} · Agent Connect") }/>
        <Router>
            <PageContextProvider>
                <a class="skip-link" href="#main">"Skip to content"</a>
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
                    <p>"Agent Connect · codes work once, for 5 minutes · revoke any agent on the Security page"</p>
                </footer>
            </PageContextProvider>
        </Router>
    }
}
