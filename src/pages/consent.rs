//! `/oauth2/authorize`: the consent page of the authorization code flow. It names the
//! application and where it sends you back, lists the scopes with the same warnings as
//! /connect, and posts the decision as a plain form, so it works with and without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;

use crate::api::consent::fetch_consent;
use crate::components::client_identity::ClientIdentityFacts;
use crate::components::scope_item::{HighRiskConfirmation, ScopeItem, high_risk_actions};
use crate::language::{self, td_display, td_string};
use crate::model::{AuthorizeParams, ClientSummary, ConsentView};
use crate::pages::PageData;
use crate::scopes::Scope;

#[component]
pub fn ConsentPage() -> impl IntoView {
    let location = use_location();
    let data = Resource::new(move || location.search.get(), fetch_consent);
    let locale = language::current();
    view! {
        <Title text=td_string!(locale, oauth.consent_title)/>
        <PageData data render=move |data, _| {
                match data {
                    ConsentView::SendBack { url } => view! { <Redirect path=url/> }.into_any(),
                    ConsentView::Refused { message } => {
                        view! {
                            <section class="card narrow" aria-labelledby="consent-title">
                                <h1 id="consent-title">{td_string!(locale, oauth.cannot_continue)}</h1>
                                <div class="alert" role="alert">
                                    <p>{message}</p>
                                </div>
                                <p class="lede">{td_string!(locale, oauth.nothing_shared)}</p>
                            </section>
                        }
                            .into_any()
                    }
                    ConsentView::Ask { client, redirect_host, scopes, params } => {
                        view! { <ConsentForm client redirect_host scopes params=*params/> }.into_any()
                    }
                }
        }/>
    }
}

#[component]
fn ConsentForm(
    client: ClientSummary,
    redirect_host: String,
    scopes: Vec<Scope>,
    params: AuthorizeParams,
) -> impl IntoView {
    let locale = language::current();
    let risky = high_risk_actions(&scopes, locale);
    let name = client.name.clone();
    view! {
        <section class="card" aria-labelledby="consent-title">
            <h1 id="consent-title">{td_display!(locale, oauth.allow_client, name).to_string()}</h1>
            <p class="lede">{td_string!(locale, oauth.consent_lede)}</p>
            <ClientIdentityFacts client redirect_host/>
            <form method="post" action="/oauth2/authorize/decision" class="stack">
                {params
                    .fields()
                    .into_iter()
                    .map(|(name, value)| view! { <input type="hidden" name=name value=value/> })
                    .collect_view()}
                <ul class="consent-scopes" aria-label=td_string!(locale, oauth.permissions_requested)>
                    {scopes.into_iter().map(|scope| view! { <ScopeItem scope/> }).collect_view()}
                </ul>
                {risky.map(|actions| view! {
                    <HighRiskConfirmation
                        warning=td_string!(locale, oauth.consent_high_risk_warning)
                        label=td_display!(locale, oauth.consent_high_risk_understood, actions).to_string()
                        required=true
                    />
                })}
                <div class="actions">
                    <button type="submit" name="decision" value="approve" class="btn btn-primary">{td_string!(locale, oauth.approve)}</button>
                    <button type="submit" name="decision" value="deny" class="btn" formnovalidate=true>{td_string!(locale, oauth.deny)}</button>
                </div>
            </form>
        </section>
    }
}
