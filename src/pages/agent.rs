//! `/security/agents/{id}`: one agent's grant (what it may do, how and when it was granted,
//! when it expires, when and from where it was last used), its recent activity, and the
//! person's controls: pause or resume, rename, revoke (after a confirmation). Every control is
//! a form, so the page works with and without JavaScript.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::{use_location, use_params_map, use_query_map};

use crate::api::agent::{PauseAgent, RenameAgent, ResumeAgent, fetch_agent_view};
use crate::api::connect::{ApproveAgent, DenyAgent};
use crate::api::security::{RenewHighRisk, RevokeGrant};
use crate::components::form::{FormAlert, ReturnHere, SubmitButton, form_error};
use crate::components::grant_scopes::{GrantScopes, RenewFrom};
use crate::links::agent_path;
use crate::model::{ActivityView, AgentStatus, AgentView, FormError};
use crate::page_context::use_page_context;
use crate::pages::load_failed;
use crate::pages::security::ends;
use crate::timefmt::{relative, utc};

#[component]
pub fn AgentPage() -> impl IntoView {
    let page = use_page_context();
    let params = use_params_map();
    let query = use_query_map();
    let location = use_location();
    let pause = ServerAction::<PauseAgent>::new();
    let resume = ServerAction::<ResumeAgent>::new();
    let rename = ServerAction::<RenameAgent>::new();
    let revoke = ServerAction::<RevokeGrant>::new();
    let renew = ServerAction::<RenewHighRisk>::new();
    let approve = ServerAction::<ApproveAgent>::new();
    let deny = ServerAction::<DenyAgent>::new();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let data = Resource::new(
        move || {
            (
                id(),
                pause.version().get(),
                resume.version().get(),
                rename.version().get(),
                renew.version().get(),
                approve.version().get(),
            )
        },
        |(id, ..)| fetch_agent_view(id),
    );
    let actions = Actions {
        pause,
        resume,
        rename,
        revoke,
        renew,
        approve,
        deny,
    };
    view! {
        <Title text="Agent"/>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let pending = page.await.ok().and_then(|ctx| ctx.form_error);
                let here = crate::links::with_query(&location.pathname.get_untracked(), &location.search.get_untracked());
                let data = match data.await {
                    Ok(data) => data,
                    Err(err) => return load_failed(err, here),
                };
                let (confirm, done) = query.with(|q| (q.get("confirm").is_some_and(|c| c == "revoke"), q.get("done")));
                view! { <AgentOverview data confirm done actions pending/> }.into_any()
            })}
        </Transition>
    }
}

/// The page's forms.
#[derive(Clone, Copy)]
struct Actions {
    pause: ServerAction<PauseAgent>,
    resume: ServerAction<ResumeAgent>,
    rename: ServerAction<RenameAgent>,
    revoke: ServerAction<RevokeGrant>,
    renew: ServerAction<RenewHighRisk>,
    approve: ServerAction<ApproveAgent>,
    deny: ServerAction<DenyAgent>,
}

#[component]
fn AgentOverview(
    data: AgentView,
    /// The revocation waits for confirmation.
    confirm: bool,
    done: Option<String>,
    actions: Actions,
    pending: Option<FormError>,
) -> impl IntoView {
    let notice = match done.as_deref() {
        Some("paused") => Some("Paused. The agent's calls are refused until you resume it."),
        Some("resumed") => Some("Resumed. The agent can act for you again."),
        Some("renamed") => Some("Renamed."),
        Some("renewed") => Some("Renewed. It may use its high-risk permissions again."),
        Some("approved") => Some("Approved. Its high-risk permissions work from its next call."),
        _ => None,
    };
    let AgentView {
        grant,
        status,
        client_id,
        last_used_ip,
        home_network,
        client_software,
        redeemed_ip,
        activity,
        now,
    } = data;
    let waiting_until = grant.pending_until.filter(|until| *until > now);
    let live = matches!(status, AgentStatus::Active | AgentStatus::Paused { .. });
    let path = agent_path(&grant.id);
    view! {
        <section class="card wide" aria-labelledby="agent-title">
            <p class="crumbs"><a href="/security">"Security"</a>" / AI Agent"</p>
            <div class="agent-head">
                <h1 id="agent-title">{grant.agent_name.clone()}</h1>
                {match (status, waiting_until) {
                    (AgentStatus::Active, Some(_)) => view! { <span class="badge badge-warn">"Waiting for approval"</span> }.into_any(),
                    _ => status_badge(status, now).into_any(),
                }}
            </div>
            {notice.map(|text| view! { <p class="notice" role="status">{text}</p> })}
            <dl class="facts" aria-label="About this agent">
                <div>
                    <dt>"May do"</dt>
                    <dd>
                        <GrantScopes grant=grant.clone() now renew=actions.renew from=RenewFrom::Agent/>
                    </dd>
                </div>
                <div>
                    <dt>"Granted via"</dt>
                    <dd>
                        {grant.granted_via.clone()}
                        {client_software.map(|software| view! { ", by " {software} })}
                        {redeemed_ip.map(|ip| view! { " from " <code>{ip}</code> })}
                    </dd>
                </div>
                <div><dt>"Client"</dt><dd><code class="client-id">{client_id}</code></dd></div>
                <div><dt>"Created"</dt><dd>{when(grant.created_at, now)}</dd></div>
                <div>
                    <dt>"Ends"</dt>
                    <dd>{ends(&grant, now)}</dd>
                </div>
                <div>
                    <dt>"Last used"</dt>
                    <dd>
                        {match grant.last_used_at {
                            Some(at) => view! {
                                {when(at, now)}
                                {last_used_ip.map(|ip| view! { " from " <code>{ip}</code> })}
                            }.into_any(),
                            None => view! { <span class="muted">"Not yet"</span> }.into_any(),
                        }}
                    </dd>
                </div>
                {home_network.map(|network| view! {
                    <div>
                        <dt>"Network guard"</dt>
                        <dd>"Paused if used outside " <code>{network}</code></dd>
                    </div>
                })}
            </dl>
            {waiting_until.filter(|_| live).map(|until| view! {
                <ApproveHere id=grant.id.clone() waiting=grant.high_risk.join(", ") until now actions/>
            })}
            {live.then(|| view! {
                <AgentControls
                    id=grant.id.clone()
                    name=grant.agent_name.clone()
                    paused=grant.paused
                    confirm
                    path=path.clone()
                    actions
                    pending
                />
            })}
            <h2 id="activity-title">"Recent activity"</h2>
            <ActivityList activity now/>
        </section>
    }
}

fn status_badge(status: AgentStatus, now: i64) -> impl IntoView {
    let (class, text) = match status {
        AgentStatus::Active => ("badge badge-ok", "Active".to_owned()),
        AgentStatus::Paused { since } => (
            "badge badge-warn",
            format!("Paused {}", relative(since, now)),
        ),
        AgentStatus::Revoked { at } => (
            "badge badge-muted",
            format!("Revoked {}", relative(at, now)),
        ),
        AgentStatus::Expired => ("badge badge-muted", "Expired".to_owned()),
    };
    view! { <span class=class>{text}</span> }
}

/// Pause or resume, revoke, rename.
#[component]
fn AgentControls(
    id: String,
    name: String,
    paused: bool,
    confirm: bool,
    path: String,
    actions: Actions,
    pending: Option<FormError>,
) -> impl IntoView {
    let pause_error = form_error(actions.pause.value(), pending.clone(), PauseAgent::PATH);
    let resume_error = form_error(actions.resume.value(), pending.clone(), ResumeAgent::PATH);
    let rename_error = form_error(actions.rename.value(), pending, RenameAgent::PATH);
    let state_error = Signal::derive(move || pause_error.get().or_else(|| resume_error.get()));
    let (state_id, revoke_id) = (id.clone(), id.clone());
    let hint = if paused {
        "Paused: its calls are refused. Resuming lets it carry on with the same tokens."
    } else {
        "Pausing refuses its calls at once, without making it start over. Revoking ends its access for good."
    };
    view! {
        <h2 id="controls-title">"Controls"</h2>
        <FormAlert error=state_error/>
        <div class="agent-controls" role="group" aria-labelledby="controls-title">
            {if paused {
                view! {
                    <ActionForm action=actions.resume>
                        <ReturnHere/>
                        <input type="hidden" name="grant_id" value=state_id.clone()/>
                        <SubmitButton label="Resume" busy="Resuming…" pending=actions.resume.pending()/>
                    </ActionForm>
                }
                .into_any()
            } else {
                view! {
                    <ActionForm action=actions.pause>
                        <ReturnHere/>
                        <input type="hidden" name="grant_id" value=state_id.clone()/>
                        <SubmitButton label="Pause" busy="Pausing…" pending=actions.pause.pending() class="btn"/>
                    </ActionForm>
                }
                .into_any()
            }}
            {if confirm {
                view! {
                    <div class="confirm" role="group" aria-label=format!("Revoke access for {name}?")>
                        <span>"Revoke access for " <strong>{name.clone()}</strong> "?"</span>
                        <ActionForm action=actions.revoke>
                            <ReturnHere/>
                            <input type="hidden" name="grant_id" value=revoke_id.clone()/>
                            <button type="submit" class="btn btn-danger">"Yes, revoke"</button>
                        </ActionForm>
                        <a class="btn btn-quiet" href=path.clone()>"Cancel"</a>
                    </div>
                }
                .into_any()
            } else {
                view! {
                    <Form method="GET" action=path.clone()>
                        <input type="hidden" name="confirm" value="revoke"/>
                        <button type="submit" class="btn btn-danger-quiet">"Revoke"</button>
                    </Form>
                }
                .into_any()
            }}
        </div>
        <p class="hint controls-hint">{hint}</p>
        <FormAlert error=rename_error/>
        <ActionForm action=actions.rename attr:class="rename-form">
            <ReturnHere/>
            <input type="hidden" name="grant_id" value=id/>
            <div class="field">
                <label for="field-agent-name">"Agent name"</label>
                <input id="field-agent-name" name="agent_name" type="text" required maxlength="64" value=name/>
            </div>
            <SubmitButton label="Rename" busy="Renaming…" pending=actions.rename.pending() class="btn"/>
        </ActionForm>
    }
}

/// Approve or Deny, for an agent whose high-risk permissions wait for the person: the same
/// decision as on /connect, for when that page is closed.
#[component]
fn ApproveHere(
    id: String,
    waiting: String,
    until: i64,
    now: i64,
    actions: Actions,
) -> impl IntoView {
    let deny_id = id.clone();
    view! {
        <section class="confirm-agent" aria-labelledby="approve-title">
            <h2 id="approve-title">"Waiting for your approval"</h2>
            <p>
                <span class="scope-list">{waiting}</span>
                {format!(" starts once you approve this agent; if you don't by {} ({}), its access is revoked.", utc(until), relative(until, now))}
            </p>
            <div class="actions">
                <ActionForm action=actions.approve>
                    <ReturnHere/>
                    <input type="hidden" name="grant_id" value=id.clone()/>
                    <input type="hidden" name="back" value="agent"/>
                    <button type="submit" class="btn btn-primary">"Approve"</button>
                </ActionForm>
                <ActionForm action=actions.deny>
                    <ReturnHere/>
                    <input type="hidden" name="grant_id" value=deny_id/>
                    <input type="hidden" name="back" value="agent"/>
                    <button type="submit" class="btn btn-danger">"Deny"</button>
                </ActionForm>
            </div>
        </section>
    }
}

#[component]
fn ActivityList(activity: Vec<ActivityView>, now: i64) -> impl IntoView {
    if activity.is_empty() {
        return view! { <p class="empty">"Nothing yet. Its tool calls and token refreshes show here, for a week."</p> }
            .into_any();
    }
    view! {
        <ol class="events timeline" aria-labelledby="activity-title">
            {activity
                .into_iter()
                .map(|line| {
                    let times = (line.calls > 1).then(|| format!("{} times", line.calls));
                    let from = line.client_ip.map(|ip| format!("from {ip}"));
                    let detail: Vec<String> = times.into_iter().chain(from).collect();
                    view! {
                        <li>
                            <span class="event-title">{line.title}</span>
                            <span class="event-detail">{detail.join(" · ")}</span>
                            {when(line.last_at, now)}
                        </li>
                    }
                })
                .collect_view()}
        </ol>
        <p class="hint">"Calls are counted per minute and kept for a week."</p>
    }
    .into_any()
}

fn when(at: i64, now: i64) -> impl IntoView {
    view! { <time datetime=utc(at) title=utc(at)>{relative(at, now)}</time> }
}
