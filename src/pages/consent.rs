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
use crate::model::{AuthorizeParams, ClientSummary, ConsentView};
use crate::pages::load_failed;
use crate::scopes::Scope;

#[component]
pub fn ConsentPage() -> impl IntoView {
    let location = use_location();
    let data = Resource::new(move || location.search.get(), fetch_consent);
    view! {
        <Title text="Approve access"/>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let here = crate::links::with_query("/oauth2/authorize", &location.search.get_untracked());
                match data.await {
                    Err(err) => load_failed(err, here),
                    Ok(ConsentView::SendBack { url }) => view! { <Redirect path=url/> }.into_any(),
                    Ok(ConsentView::Refused { message }) => {
                        view! {
                            <section class="card narrow" aria-labelledby="consent-title">
                                <h1 id="consent-title">"This request can't continue"</h1>
                                <div class="alert" role="alert">
                                    <p>{message}</p>
                                </div>
                                <p class="lede">
                                    "Nothing was shared. Go back to the application and try again, or tell its developer."
                                </p>
                            </section>
                        }
                            .into_any()
                    }
                    Ok(ConsentView::Ask { client, redirect_host, scopes, params }) => {
                        view! { <ConsentForm client redirect_host scopes params=*params/> }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn ConsentForm(
    client: ClientSummary,
    redirect_host: String,
    scopes: Vec<Scope>,
    params: AuthorizeParams,
) -> impl IntoView {
    let risky = high_risk_actions(&scopes);
    view! {
        <section class="card" aria-labelledby="consent-title">
            <h1 id="consent-title">{format!("Allow {} to act for you?", client.name)}</h1>
            <p class="lede">
                "It will get access to only what is listed here, and you can revoke it at any time on the Security page."
            </p>
            <ClientIdentityFacts client redirect_host/>
            <form method="post" action="/oauth2/authorize/decision" class="stack">
                {params
                    .fields()
                    .into_iter()
                    .map(|(name, value)| view! { <input type="hidden" name=name value=value/> })
                    .collect_view()}
                <ul class="consent-scopes" aria-label="Permissions requested">
                    {scopes.into_iter().map(|scope| view! { <ScopeItem scope/> }).collect_view()}
                </ul>
                {risky.map(|actions| view! {
                    <HighRiskConfirmation
                        warning="high-risk permissions let the application act with real consequences. Approve only if you trust it."
                        label=format!("I understand this application can {actions}")
                        required=true
                    />
                })}
                <div class="actions">
                    <button type="submit" name="decision" value="approve" class="btn btn-primary">"Approve"</button>
                    <button type="submit" name="decision" value="deny" class="btn" formnovalidate=true>"Deny"</button>
                </div>
            </form>
        </section>
    }
}
