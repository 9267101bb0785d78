//! `/security/agents/{id}`: one agent's grant (what it may do, how and when it was granted,
//! when it expires, when and from where it was last used), its recent activity, and the
//! person's controls: pause or resume, rename, revoke (after a confirmation). Every control is
//! a form, so the page works with and without JavaScript.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::agent::{PauseAgent, RenameAgent, ResumeAgent, fetch_agent_view};
use crate::api::connect::{ApproveAgent, DenyAgent};
use crate::api::security::{RenewHighRisk, RevokeGrant};
use crate::components::form::{FormAlert, ReturnHere, SubmitButton, form_error};
use crate::components::grant_scopes::{GrantScopes, RenewFrom};
use crate::language::{self, td_display, td_string};
use crate::links::agent_path;
use crate::model::{ActivityView, AgentStatus, AgentView, FormError};
use crate::pages::PageData;
use crate::pages::security::{ends, when};
use crate::timefmt::{relative_in, utc};

#[component]
pub fn AgentPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
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
    let locale = language::current();
    view! {
        <Title text=td_string!(locale, security.agent)/>
        <PageData data render=move |data, pending| {
            let (confirm, done) = query.with(|q| (q.get("confirm").is_some_and(|c| c == "revoke"), q.get("done")));
            view! { <AgentOverview data confirm done actions pending/> }.into_any()
        }/>
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
    let locale = language::current();
    let notice = match done.as_deref() {
        Some("paused") => Some(td_string!(locale, security.done_paused)),
        Some("resumed") => Some(td_string!(locale, security.done_resumed)),
        Some("renamed") => Some(td_string!(locale, security.done_renamed)),
        Some("renewed") => Some(td_string!(locale, security.done_renewed_agent)),
        Some("approved") => Some(td_string!(locale, security.done_approved)),
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
            <p class="crumbs"><a href="/security">{td_string!(locale, security.title)}</a>{td_string!(locale, security.crumb_agent)}</p>
            <div class="agent-head">
                <h1 id="agent-title">{grant.agent_name.clone()}</h1>
                {match (status, waiting_until) {
                    (AgentStatus::Active, Some(_)) => view! { <span class="badge badge-warn">{td_string!(locale, security.waiting_badge)}</span> }.into_any(),
                    _ => status_badge(status, now).into_any(),
                }}
            </div>
            {notice.map(|text| view! { <p class="notice" role="status">{text}</p> })}
            <dl class="facts" aria-label=td_string!(locale, security.about_agent)>
                <div>
                    <dt>{td_string!(locale, security.may_do)}</dt>
                    <dd>
                        <GrantScopes grant=grant.clone() now renew=actions.renew from=RenewFrom::Agent/>
                    </dd>
                </div>
                <div>
                    <dt>{td_string!(locale, security.granted_via)}</dt>
                    <dd>
                        {grant.granted_via.clone()}
                        {client_software.map(|software| view! { {td_string!(locale, security.by)} {software} })}
                        {redeemed_ip.map(|ip| view! { {td_string!(locale, security.from)} <code>{ip}</code> })}
                    </dd>
                </div>
                <div><dt>{td_string!(locale, security.client)}</dt><dd><code class="client-id">{client_id}</code></dd></div>
                <div><dt>{td_string!(locale, security.created)}</dt><dd>{when(grant.created_at, now)}</dd></div>
                <div>
                    <dt>{td_string!(locale, security.ends)}</dt>
                    <dd>{ends(&grant, now)}</dd>
                </div>
                <div>
                    <dt>{td_string!(locale, security.last_used)}</dt>
                    <dd>
                        {match grant.last_used_at {
                            Some(at) => view! {
                                {when(at, now)}
                                {last_used_ip.map(|ip| view! { {td_string!(locale, security.from)} <code>{ip}</code> })}
                            }.into_any(),
                            None => view! { <span class="muted">{td_string!(locale, security.not_yet)}</span> }.into_any(),
                        }}
                    </dd>
                </div>
                {home_network.map(|network| view! {
                    <div>
                        <dt>{td_string!(locale, security.network_guard)}</dt>
                        <dd>{td_string!(locale, security.paused_outside)} <code>{network}</code></dd>
                    </div>
                })}
            </dl>
            {waiting_until.filter(|_| live).map(|until| view! {
                <ApproveHere id=grant.id.clone() waiting=grant.high_risk.join(td_string!(locale, panel.list_separator)) until now actions/>
            })}
            {live.then(|| view! {
                <AgentControls
                    id=grant.id.clone()
                    name=if grant.named { grant.agent_name.clone() } else { String::new() }
                    paused=grant.paused
                    confirm
                    path=path.clone()
                    actions
                    pending
                />
            })}
            <h2 id="activity-title">{td_string!(locale, security.recent_activity)}</h2>
            <ActivityList activity now/>
        </section>
    }
}

fn status_badge(status: AgentStatus, now: i64) -> impl IntoView {
    let locale = language::current();
    let (class, text) = match status {
        AgentStatus::Active => (
            "badge badge-ok",
            td_string!(locale, security.active).to_owned(),
        ),
        AgentStatus::Paused { since } => (
            "badge badge-warn",
            td_display!(
                locale,
                security.paused_since,
                when = relative_in(locale, since, now)
            )
            .to_string(),
        ),
        AgentStatus::Revoked { at } => (
            "badge badge-muted",
            td_display!(
                locale,
                security.revoked_since,
                when = relative_in(locale, at, now)
            )
            .to_string(),
        ),
        AgentStatus::Expired => (
            "badge badge-muted",
            td_string!(locale, security.expired).to_owned(),
        ),
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
    let locale = language::current();
    let hint = if paused {
        td_string!(locale, security.paused_hint)
    } else {
        td_string!(locale, security.controls_hint)
    };
    view! {
        <h2 id="controls-title">{td_string!(locale, security.controls)}</h2>
        <FormAlert error=state_error/>
        <div class="agent-controls" role="group" aria-labelledby="controls-title">
            {if paused {
                view! {
                    <ActionForm action=actions.resume>
                        <ReturnHere/>
                        <input type="hidden" name="grant_id" value=state_id.clone()/>
                        <SubmitButton label=td_string!(locale, security.resume) busy=td_string!(locale, security.resuming) pending=actions.resume.pending()/>
                    </ActionForm>
                }
                .into_any()
            } else {
                view! {
                    <ActionForm action=actions.pause>
                        <ReturnHere/>
                        <input type="hidden" name="grant_id" value=state_id.clone()/>
                        <SubmitButton label=td_string!(locale, security.pause) busy=td_string!(locale, security.pausing) pending=actions.pause.pending() class="btn"/>
                    </ActionForm>
                }
                .into_any()
            }}
            {if confirm {
                view! {
                    <div class="confirm" role="group" aria-label=td_display!(locale, security.revoke_question, name = name.clone()).to_string()>
                        <span>{td_string!(locale, security.revoke_before)} <strong>{name.clone()}</strong> {td_string!(locale, security.revoke_after)}</span>
                        <ActionForm action=actions.revoke>
                            <ReturnHere/>
                            <input type="hidden" name="grant_id" value=revoke_id.clone()/>
                            <button type="submit" class="btn btn-danger">{td_string!(locale, security.yes_revoke)}</button>
                        </ActionForm>
                        <a class="btn btn-quiet" href=path.clone()>{td_string!(locale, security.cancel)}</a>
                    </div>
                }
                .into_any()
            } else {
                view! {
                    <Form method="GET" action=path.clone()>
                        <input type="hidden" name="confirm" value="revoke"/>
                        <button type="submit" class="btn btn-danger-quiet">{td_string!(locale, security.revoke)}</button>
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
                <label for="field-agent-name">{td_string!(locale, connect.agent_name)}</label>
                <input id="field-agent-name" name="agent_name" type="text" required maxlength="64" value=name/>
            </div>
            <SubmitButton label=td_string!(locale, security.rename) busy=td_string!(locale, security.renaming) pending=actions.rename.pending() class="btn"/>
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
    let locale = language::current();
    let (at, when) = (utc(until), relative_in(locale, until, now));
    view! {
        <section class="confirm-agent" aria-labelledby="approve-title">
            <h2 id="approve-title">{td_string!(locale, security.waiting_title)}</h2>
            <p>
                <span class="scope-list">{waiting}</span>
                {td_display!(locale, security.starts_once_approved, at, when).to_string()}
            </p>
            <div class="actions">
                <ActionForm action=actions.approve>
                    <ReturnHere/>
                    <input type="hidden" name="grant_id" value=id.clone()/>
                    <input type="hidden" name="back" value="agent"/>
                    <button type="submit" class="btn btn-primary">{td_string!(locale, panel.approve)}</button>
                </ActionForm>
                <ActionForm action=actions.deny>
                    <ReturnHere/>
                    <input type="hidden" name="grant_id" value=deny_id/>
                    <input type="hidden" name="back" value="agent"/>
                    <button type="submit" class="btn btn-danger">{td_string!(locale, panel.deny)}</button>
                </ActionForm>
            </div>
        </section>
    }
}

#[component]
fn ActivityList(activity: Vec<ActivityView>, now: i64) -> impl IntoView {
    let locale = language::current();
    if activity.is_empty() {
        return view! { <p class="empty">{td_string!(locale, security.no_activity)}</p> }
            .into_any();
    }
    view! {
        <ol class="events timeline" aria-labelledby="activity-title">
            {activity
                .into_iter()
                .map(|line| {
                    let times = (line.calls > 1)
                        .then(|| td_display!(locale, security.times, n = line.calls).to_string());
                    let from = line
                        .client_ip
                        .map(|ip| td_display!(locale, security.from_address, ip).to_string());
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
        <p class="hint">{td_string!(locale, security.activity_hint)}</p>
    }
    .into_any()
}
