//! `/connect`: pick permissions, name the agent, get a one-time code and the instructions to
//! hand it over. `/connect?scope=a+b&agent=NAME` pre-fills the form (a step-up link).

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};

use crate::api::connect::{ApproveAgent, DenyAgent, GenerateCode, fetch_connect_view};
use crate::components::code_panel::CodePanel;
use crate::components::form::{FormAlert, ReturnHere, SubmitButton, form_error};
use crate::components::scope_item::{HighRiskConfirmation, ScopeItem, high_risk_actions};
use crate::language::{self, td_string};
use crate::lifetime::{HighRiskLifetime, Lifetime};
use crate::model::FormError;
use crate::pages::PageData;
use crate::scopes::{Scope, Scopes};

#[component]
pub fn ConnectPage() -> impl IntoView {
    let generate = ServerAction::<GenerateCode>::new();
    let data = Resource::new(move || generate.version().get(), |_| fetch_connect_view());
    let query = use_query_map();
    let location = use_location();
    let locale = language::current();
    view! {
        <Title text=td_string!(locale, connect.title)/>
        <PageData data render=move |data, pending| {
                let here = crate::links::with_query(&location.pathname.get_untracked(), &location.search.get_untracked());
                let (asked_scopes, asked_agent) = query.with(|q| (q.get("scope"), q.get("agent")));
                let step_up = asked_scopes.is_some() || asked_agent.is_some();
                match data.issued {
                    Some(issued) if !step_up => {
                        let high_risk = data
                            .catalogue
                            .iter()
                            .any(|s| s.high_risk && issued.scopes.contains(&s.name));
                        // A refused Approve or Deny comes back here through the session.
                        let error = pending
                                .filter(|e| e.action == ApproveAgent::PATH || e.action == DenyAgent::PATH)
                            .map(|e| e.message);
                        view! {
                            <CodePanel
                                issued
                                locale
                                error
                                public_url=data.public_url
                                cli_download=data.cli_download
                                server_now=data.now
                                high_risk
                                return_to=here
                            />
                        }
                        .into_any()
                    }
                    _ => {
                        let (scopes, agent) = if step_up {
                            (asked_scopes.map(|s| Scopes::parse(&s).into_vec()).unwrap_or_default(), asked_agent.unwrap_or_default())
                        } else {
                            (data.last_scopes, data.last_agent_name)
                        };
                        let (lifetime, high_risk_lifetime) = (data.last_lifetime, data.last_high_risk_lifetime);
                        let guard_network = data.last_guard_network;
                        view! { <ConnectForm catalogue=data.catalogue scopes agent lifetime high_risk_lifetime guard_network generate pending/> }.into_any()
                    }
                }
        }/>
    }
}

/// The scope picker and agent name.
#[component]
fn ConnectForm(
    catalogue: Vec<Scope>,
    /// Scopes ticked when the form appears.
    scopes: Vec<String>,
    agent: String,
    /// The lifetimes' form values to pre-select; empty for the defaults.
    lifetime: String,
    high_risk_lifetime: String,
    /// The network guard box is ticked.
    guard_network: bool,
    generate: ServerAction<GenerateCode>,
    pending: Option<FormError>,
) -> impl IntoView {
    let locale = language::current();
    let error = form_error(generate.value(), pending, GenerateCode::PATH);
    let risky = high_risk_actions(&catalogue, locale);
    let has_risky = risky.is_some();
    view! {
        <section class="card" aria-labelledby="connect-title">
            <h1 id="connect-title">{td_string!(locale, connect.title)}</h1>
            <p class="lede">{td_string!(locale, connect.lede)}</p>
            <FormAlert error/>
            <ActionForm action=generate attr:class="stack connect-form">
                <ReturnHere/>
                <fieldset class="scopes">
                    <legend>{td_string!(locale, connect.permissions)}</legend>
                    {catalogue
                        .into_iter()
                        .map(|scope| {
                            let checked = scopes.contains(&scope.name);
                            view! { <ScopeItem scope checked/> }
                        })
                        .collect_view()}
                </fieldset>
                // Shown by the stylesheet once a high-risk box is ticked (`:has`), and always
                // where the browser cannot tell.
                {risky.map(|actions| view! {
                    <HighRiskConfirmation
                        warning=td_string!(locale, connect.high_risk_warning)
                        label=td_string!(locale, connect.high_risk_understood, actions).to_string()
                    />
                })}
                <AgentNameField agent/>
                <LifetimeFields lifetime high_risk_lifetime has_risky/>
                <div class="check guard">
                    <input type="checkbox" id="guard-network" name="guard_network" value="yes" checked=guard_network aria-describedby="guard-network-hint"/>
                    <label for="guard-network">{td_string!(locale, connect.guard_network)}</label>
                </div>
                <p class="hint" id="guard-network-hint">{td_string!(locale, connect.guard_network_hint)}</p>
                <SubmitButton label=td_string!(locale, connect.generate) busy=td_string!(locale, connect.generating) pending=generate.pending()/>
            </ActionForm>
        </section>
    }
}

/// How long the access lasts and, when the catalogue has high-risk permissions, how long
/// those stay active. `lifetime` and `high_risk_lifetime` are form values to pre-select.
#[component]
fn LifetimeFields(lifetime: String, high_risk_lifetime: String, has_risky: bool) -> impl IntoView {
    let lifetime = Lifetime::parse(&lifetime).unwrap_or_default();
    let high_risk_lifetime = HighRiskLifetime::parse(&high_risk_lifetime).unwrap_or_default();
    let locale = language::current();
    view! {
        <div class="lifetimes">
            <div class="field">
                <label for="lifetime">{td_string!(locale, connect.access_lasts)}</label>
                <select id="lifetime" name="lifetime" aria-describedby="lifetime-hint">
                    {Lifetime::ALL
                        .into_iter()
                        .map(|l| view! { <option value=l.value() selected=l == lifetime>{l.label(locale)}</option> })
                        .collect_view()}
                </select>
                <p class="hint" id="lifetime-hint">{td_string!(locale, connect.access_lasts_hint)}</p>
            </div>
            {has_risky.then(|| view! {
                <div class="field risk-lifetime">
                    <label for="high-risk-lifetime">{td_string!(locale, connect.high_risk_lasts)}</label>
                    <select id="high-risk-lifetime" name="high_risk_lifetime" aria-describedby="high-risk-lifetime-hint">
                        {HighRiskLifetime::ALL
                            .into_iter()
                            .map(|l| view! { <option value=l.value() selected=l == high_risk_lifetime>{l.label(locale)}</option> })
                            .collect_view()}
                    </select>
                    <p class="hint" id="high-risk-lifetime-hint">{td_string!(locale, connect.high_risk_lasts_hint)}</p>
                </div>
            })}
        </div>
    }
}

#[component]
fn AgentNameField(agent: String) -> impl IntoView {
    let locale = language::current();
    view! {
        <div class="field">
            <label for="agent-name">{td_string!(locale, connect.agent_name)}</label>
            <input
                id="agent-name"
                name="agent_name"
                maxlength="64"
                autocomplete="off"
                value=agent
                aria-describedby="agent-name-hint"
            />
            <p class="hint" id="agent-name-hint">{td_string!(locale, connect.agent_name_hint)}</p>
        </div>
    }
}
