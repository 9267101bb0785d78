//! `/security`: the AI Agent grants of the account, revoked one at a time or all at once
//! (each after a confirmation), and the account's recent security events.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use crate::api::security::{RenewHighRisk, RevokeAllGrants, RevokeGrant, fetch_security_view};
use crate::components::form::ReturnHere;
use crate::components::grant_scopes::{GrantScopes, RenewFrom};
use crate::language::{self, td_display, td_string};
use crate::links::agent_path;
use crate::model::{EventView, GrantView, SecurityView};
use crate::pages::PageData;
use crate::timefmt::{relative_in, utc};

#[component]
pub fn SecurityPage() -> impl IntoView {
    let revoke = ServerAction::<RevokeGrant>::new();
    let revoke_all = ServerAction::<RevokeAllGrants>::new();
    let renew = ServerAction::<RenewHighRisk>::new();
    let data = Resource::new(
        move || {
            (
                revoke.version().get(),
                revoke_all.version().get(),
                renew.version().get(),
            )
        },
        |_| fetch_security_view(),
    );
    let query = use_query_map();
    let locale = language::current();
    view! {
        <Title text=td_string!(locale, security.title)/>
        <PageData data render=move |data, _| {
            let (confirm, done) = query.with(|q| (q.get("confirm").unwrap_or_default(), q.get("done")));
            view! { <SecurityOverview data confirm done revoke revoke_all renew/> }.into_any()
        }/>
    }
}

/// The grants and the recent events. `confirm` names the grant (or `all`) whose revocation
/// waits for confirmation; `done` what was just revoked.
#[component]
fn SecurityOverview(
    data: SecurityView,
    confirm: String,
    done: Option<String>,
    revoke: ServerAction<RevokeGrant>,
    revoke_all: ServerAction<RevokeAllGrants>,
    renew: ServerAction<RenewHighRisk>,
) -> impl IntoView {
    let locale = language::current();
    let notice = match done.as_deref() {
        Some("revoked") => Some(td_string!(locale, security.done_revoked)),
        Some("renewed") => Some(td_string!(locale, security.done_renewed)),
        Some("revoked_all") => Some(td_string!(locale, security.done_revoked_all)),
        _ => None,
    };
    let SecurityView {
        alerts,
        grants,
        events,
        now,
    } = data;
    let has_grants = !grants.is_empty();
    view! {
        <section class="card wide" aria-labelledby="security-title">
            <h1 id="security-title">{td_string!(locale, security.title)}</h1>
            <p class="lede">{td_string!(locale, security.lede)}</p>
            {notice.map(|text| view! { <p class="notice" role="status">{text}</p> })}
            {(!alerts.is_empty()).then(|| view! { <Alerts alerts now/> })}
            <div class="section-head">
                <h2 id="grants-title">{td_string!(locale, security.grants)}</h2>
                {has_grants.then(|| revoke_all_control(confirm == "all", revoke_all))}
            </div>
            {if has_grants {
                view! { <GrantsTable grants now confirm revoke renew/> }.into_any()
            } else {
                view! { <NoGrants/> }.into_any()
            }}
            <h2 id="events-title">{td_string!(locale, security.events)}</h2>
            <ul class="events" aria-labelledby="events-title">
                {events.into_iter().map(|event| event_item(event, now)).collect_view()}
            </ul>
        </section>
    }
}

/// Signs that a token or code of the account was stolen, above everything else.
#[component]
fn Alerts(alerts: Vec<EventView>, now: i64) -> impl IntoView {
    let locale = language::current();
    view! {
        <section class="attention" aria-labelledby="attention-title">
            <h2 id="attention-title">{td_string!(locale, security.attention)}</h2>
            <p>{td_string!(locale, security.attention_text)}</p>
            <ul class="events" aria-labelledby="attention-title">
                {alerts.into_iter().map(|event| event_item(event, now)).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn GrantsTable(
    grants: Vec<GrantView>,
    now: i64,
    confirm: String,
    revoke: ServerAction<RevokeGrant>,
    renew: ServerAction<RenewHighRisk>,
) -> impl IntoView {
    let locale = language::current();
    view! {
        <div class="table-wrap">
            <table aria-label=td_string!(locale, security.grants) class="grants">
                <thead>
                    <tr>
                        <th scope="col">{td_string!(locale, security.agent)}</th>
                        <th scope="col">{td_string!(locale, security.permissions)}</th>
                        <th scope="col">{td_string!(locale, security.granted_via)}</th>
                        <th scope="col">{td_string!(locale, security.created)}</th>
                        <th scope="col">{td_string!(locale, security.last_used)}</th>
                        <th scope="col">{td_string!(locale, security.expires)}</th>
                        <th scope="col"><span class="sr-only">{td_string!(locale, security.actions)}</span></th>
                    </tr>
                </thead>
                <tbody>
                    {grants
                        .into_iter()
                        .map(|grant| {
                            let confirming = confirm == grant.id;
                            grant_row(grant, now, confirming, revoke, renew)
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn NoGrants() -> impl IntoView {
    let locale = language::current();
    view! {
        <p class="empty">
            {td_string!(locale, security.no_grants)}
            <a href="/connect">{td_string!(locale, common.nav_connect)}</a>
            {td_string!(locale, security.no_grants_after)}
        </p>
    }
}

/// A moment, relative to now in words, exact in its tooltip.
pub fn when(at: i64, now: i64) -> impl IntoView {
    let locale = language::current();
    view! { <time datetime=utc(at) title=utc(at)>{relative_in(locale, at, now)}</time> }
}

/// When a grant ends: its chosen end, or "Until revoked" while refreshes keep it alive.
pub fn ends(grant: &GrantView, now: i64) -> AnyView {
    let locale = language::current();
    match grant.ends_at {
        Some(at) => when(at, now).into_any(),
        None => {
            let next = utc(grant.expires_at);
            view! {
                <span title=td_display!(locale, security.until_revoked_hint, next).to_string()>
                    {td_string!(locale, security.until_revoked)}
                </span>
            }
            .into_any()
        }
    }
}

fn grant_row(
    grant: GrantView,
    now: i64,
    confirming: bool,
    revoke: ServerAction<RevokeGrant>,
    renew: ServerAction<RenewHighRisk>,
) -> impl IntoView {
    let name = grant.agent_name.clone();
    let locale = language::current();
    view! {
        <tr class:confirming=confirming>
            <td data-label=td_string!(locale, security.agent) class="agent">
                <a href=agent_path(&grant.id)>{grant.agent_name.clone()}</a>
                {grant.paused.then(|| view! { " " <span class="badge badge-warn">{td_string!(locale, security.paused)}</span> })}
                {grant.pending_until.filter(|until| *until > now).map(|_| view! {
                    " " <span class="badge badge-warn">{td_string!(locale, security.waiting_badge)}</span>
                })}
            </td>
            <td data-label=td_string!(locale, security.permissions)>
                <GrantScopes grant=grant.clone() now renew from=RenewFrom::Security/>
            </td>
            <td data-label=td_string!(locale, security.granted_via)>{grant.granted_via.clone()}</td>
            <td data-label=td_string!(locale, security.created)>{when(grant.created_at, now)}</td>
            <td data-label=td_string!(locale, security.last_used)>
                {match grant.last_used_at {
                    Some(at) => when(at, now).into_any(),
                    None => view! { <span class="muted">{td_string!(locale, security.not_yet)}</span> }.into_any(),
                }}
            </td>
            <td data-label=td_string!(locale, security.expires)>{ends(&grant, now)}</td>
            <td class="row-actions">
                {if confirming {
                    view! {
                        <Confirm question=td_display!(locale, security.revoke_question, name = name.clone()).to_string()>
                            <span>{td_string!(locale, security.revoke_before)} <strong>{name.clone()}</strong> {td_string!(locale, security.revoke_after)}</span>
                            <ActionForm action=revoke>
                                <ReturnHere/>
                                <input type="hidden" name="grant_id" value=grant.id.clone()/>
                                <button type="submit" class="btn btn-danger">{td_string!(locale, security.yes_revoke)}</button>
                            </ActionForm>
                        </Confirm>
                    }
                    .into_any()
                } else {
                    ask_to_confirm(grant.id.clone(), td_string!(locale, security.revoke)).into_any()
                }}
            </td>
        </tr>
    }
}

fn revoke_all_control(
    confirming: bool,
    revoke_all: ServerAction<RevokeAllGrants>,
) -> impl IntoView {
    let locale = language::current();
    if confirming {
        view! {
            <Confirm question=td_string!(locale, security.revoke_all_question).to_owned()>
                <span>{td_string!(locale, security.revoke_all_question)}</span>
                <ActionForm action=revoke_all>
                    <ReturnHere/>
                    <button type="submit" class="btn btn-danger">{td_string!(locale, security.yes_revoke_all)}</button>
                </ActionForm>
            </Confirm>
        }
        .into_any()
    } else {
        ask_to_confirm("all".to_owned(), td_string!(locale, security.revoke_all)).into_any()
    }
}

/// The first step of a revocation: a button that reloads the page with `?confirm=target`, so
/// the confirmation works with and without JavaScript.
fn ask_to_confirm(target: String, label: &'static str) -> impl IntoView {
    view! {
        <Form method="GET" action="/security">
            <input type="hidden" name="confirm" value=target/>
            <button type="submit" class="btn btn-danger-quiet">{label}</button>
        </Form>
    }
}

/// The second step: the question, the form that does it, and a way back.
#[component]
fn Confirm(question: String, children: Children) -> impl IntoView {
    view! {
        <div class="confirm" role="group" aria-label=question>
            {children()}
            <a class="btn btn-quiet" href="/security">{td_string!(language::current(), security.cancel)}</a>
        </div>
    }
}

fn event_item(event: EventView, now: i64) -> impl IntoView {
    view! {
        <li>
            <span class="event-title">{event.title}</span>
            <span class="event-detail">{event.detail}</span>
            {when(event.at, now)}
        </li>
    }
}
