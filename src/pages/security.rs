//! `/security`: the AI Agent grants of the account, revoked one at a time or all at once
//! (each after a confirmation), and the account's recent security events.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use crate::api::security::{RenewHighRisk, RevokeAllGrants, RevokeGrant, fetch_security_view};
use crate::components::form::ReturnHere;
use crate::components::grant_scopes::{GrantScopes, RenewFrom};
use crate::links::agent_path;
use crate::model::{EventView, GrantView, SecurityView};
use crate::pages::load_failed;
use crate::timefmt::{relative, utc};

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
    view! {
        <Title text="Security"/>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let data = match data.await {
                    Ok(data) => data,
                    Err(err) => return load_failed(err, "/security".into()),
                };
                let (confirm, done) = query.with(|q| (q.get("confirm").unwrap_or_default(), q.get("done")));
                view! { <SecurityOverview data confirm done revoke revoke_all renew/> }.into_any()
            })}
        </Transition>
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
    let notice = match done.as_deref() {
        Some("revoked") => Some("Access revoked. The agent's tokens stopped working at once."),
        Some("renewed") => Some("Renewed. The agent may use its high-risk permissions again."),
        Some("revoked_all") => Some("Access revoked for every agent."),
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
            <h1 id="security-title">"Security"</h1>
            <p class="lede">"Agents you have authorized. Revoking one stops it at once; it would need a new code to come back."</p>
            {notice.map(|text| view! { <p class="notice" role="status">{text}</p> })}
            {(!alerts.is_empty()).then(|| view! { <Alerts alerts now/> })}
            <div class="section-head">
                <h2 id="grants-title">"AI Agent grants"</h2>
                {has_grants.then(|| revoke_all_control(confirm == "all", revoke_all))}
            </div>
            {if has_grants {
                view! { <GrantsTable grants now confirm revoke renew/> }.into_any()
            } else {
                view! { <NoGrants/> }.into_any()
            }}
            <h2 id="events-title">"Recent security events"</h2>
            <ul class="events" aria-labelledby="events-title">
                {events.into_iter().map(|event| event_item(event, now)).collect_view()}
            </ul>
        </section>
    }
}

/// Signs that a token or code of the account was stolen, above everything else.
#[component]
fn Alerts(alerts: Vec<EventView>, now: i64) -> impl IntoView {
    view! {
        <section class="attention" aria-labelledby="attention-title">
            <h2 id="attention-title">"Needs your attention"</h2>
            <p>
                "Someone may hold a copy of an agent's token. Agent Connect stopped it; check that \
                 the agents below are yours, and revoke any you don't recognise."
            </p>
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
    view! {
        <div class="table-wrap">
            <table aria-label="AI Agent grants" class="grants">
                <thead>
                    <tr>
                        <th scope="col">"Agent"</th>
                        <th scope="col">"Permissions"</th>
                        <th scope="col">"Granted via"</th>
                        <th scope="col">"Created"</th>
                        <th scope="col">"Last used"</th>
                        <th scope="col">"Expires"</th>
                        <th scope="col"><span class="sr-only">"Actions"</span></th>
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
    view! {
        <p class="empty">
            "No agents have access to your account. "
            <a href="/connect">"Connect an agent"</a>
            " to give one a code."
        </p>
    }
}

fn when(at: i64, now: i64) -> impl IntoView {
    view! { <time datetime=utc(at) title=utc(at)>{relative(at, now)}</time> }
}

/// When a grant ends: its chosen end, or "Until revoked" while refreshes keep it alive.
pub fn ends(grant: &GrantView, now: i64) -> AnyView {
    match grant.ends_at {
        Some(at) => when(at, now).into_any(),
        None => view! {
            <span title=format!("While the agent refreshes it: next by {}", utc(grant.expires_at))>
                "Until revoked"
            </span>
        }
        .into_any(),
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
    view! {
        <tr class:confirming=confirming>
            <td data-label="Agent" class="agent">
                <a href=agent_path(&grant.id)>{grant.agent_name.clone()}</a>
                {grant.paused.then(|| view! { " " <span class="badge badge-warn">"Paused"</span> })}
                {grant.pending_until.filter(|until| *until > now).map(|_| view! {
                    " " <span class="badge badge-warn">"Waiting for approval"</span>
                })}
            </td>
            <td data-label="Permissions">
                <GrantScopes grant=grant.clone() now renew from=RenewFrom::Security/>
            </td>
            <td data-label="Granted via">{grant.granted_via.clone()}</td>
            <td data-label="Created">{when(grant.created_at, now)}</td>
            <td data-label="Last used">
                {match grant.last_used_at {
                    Some(at) => when(at, now).into_any(),
                    None => view! { <span class="muted">"Not yet"</span> }.into_any(),
                }}
            </td>
            <td data-label="Expires">{ends(&grant, now)}</td>
            <td class="row-actions">
                {if confirming {
                    view! {
                        <Confirm question=format!("Revoke access for {name}?")>
                            <span>"Revoke access for " <strong>{name.clone()}</strong> "?"</span>
                            <ActionForm action=revoke>
                                <ReturnHere/>
                                <input type="hidden" name="grant_id" value=grant.id.clone()/>
                                <button type="submit" class="btn btn-danger">"Yes, revoke"</button>
                            </ActionForm>
                        </Confirm>
                    }
                    .into_any()
                } else {
                    ask_to_confirm(grant.id.clone(), "Revoke").into_any()
                }}
            </td>
        </tr>
    }
}

fn revoke_all_control(
    confirming: bool,
    revoke_all: ServerAction<RevokeAllGrants>,
) -> impl IntoView {
    if confirming {
        view! {
            <Confirm question="Revoke access for every agent?".to_owned()>
                <span>"Revoke access for every agent?"</span>
                <ActionForm action=revoke_all>
                    <ReturnHere/>
                    <button type="submit" class="btn btn-danger">"Yes, revoke all"</button>
                </ActionForm>
            </Confirm>
        }
        .into_any()
    } else {
        ask_to_confirm("all".to_owned(), "Revoke all").into_any()
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
            <a class="btn btn-quiet" href="/security">"Cancel"</a>
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
