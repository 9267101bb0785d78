//! A freshly issued code: shown large, with a live countdown, copy buttons, paste-ready
//! instructions per kind of agent, and its redemption as soon as it happens.
//!
//! The one island of the portal: the only part of any page that runs in the browser. Every
//! other page is plain server-rendered HTML whose forms post natively, so the bundle holds
//! just this panel. Without JavaScript it still shows the code, the time left at load, and
//! every instruction text.
//!
//! The island is [`CodePanel`]; the components below it are its parts, hydrated with it.

use std::time::Duration;

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos::task::spawn_local;

use crate::api::connect::{ApproveAgent, DenyAgent, GenerateCode, NewCodeForm, fetch_code_status};
use crate::components::browser::{copy_text, focus, now_ms};
use crate::instructions::{Channel, Instructions};
use crate::language::{self, Locale, td_display, td_string};
use crate::links::return_path::RETURN_FIELD;
use crate::model::{CliDownload, CodeStatus, Confirmation, ConfirmationState, IssuedCode};
use crate::timefmt::{countdown, utc};

/// How often the page asks whether the code was redeemed.
const POLL_EVERY: Duration = Duration::from_secs(2);

#[island]
pub fn CodePanel(
    issued: IssuedCode,
    /// The language the page is in; the panel's own texts follow it.
    locale: Locale,
    public_url: String,
    /// The command-line client the server offers, for the CLI tab.
    cli_download: Option<CliDownload>,
    /// Server time when the page data was read.
    server_now: i64,
    /// True when the catalogue marks one of the code's scopes high-risk.
    high_risk: bool,
    /// The page's own path and query, where the panel's forms come back to.
    return_to: String,
    /// Why the person's last Approve or Deny was refused.
    error: Option<String>,
) -> impl IntoView {
    provide_context(locale);
    let live = LiveCode::new(server_now, issued.expires_at, issued.status.clone());
    live.run_in_browser(server_now);
    let clipboard = Clipboard::new();
    let texts = instruction_texts(&issued, &public_url, cli_download.as_ref(), locale);
    let IssuedCode {
        code,
        scopes,
        agent_name,
        lifetime,
        high_risk_lifetime,
        guard_network,
        ..
    } = issued;
    let granted = scopes.join(td_string!(locale, panel.list_separator));
    let scope_list = granted.clone();
    let agent_name = agent_name.unwrap_or_default();
    let again_return_to = return_to.clone();
    let confirm_return_to = return_to.clone();

    view! {
        <section class="card code-card" aria-labelledby="code-title">
            <CodeHeading live/>
            {error.map(|message| view! { <div class="alert" role="alert"><p>{message}</p></div> })}
            <RedemptionStatus live/>
            <Show when=move || live.is_usable()>
                <p class="lede">
                    {td_string!(locale, panel.give_code)} " "
                    <span class="scope-list">{scope_list.clone()}</span>
                    {td_string!(locale, panel.give_code_end)}
                </p>
                <CodeRow code=code.clone() live clipboard/>
                <InstructionTabs texts=texts.clone() hydrated=live.hydrated clipboard/>
            </Show>
            {move || live.pending_confirmation().map(|(agent_name, at, confirmation)| view! {
                <ConfirmAgent agent_name at confirmation return_to=confirm_return_to.clone()/>
            })}
            <Show when=move || live.is_redeemed() && live.pending_confirmation().is_none()>
                <RedeemedNote granted=granted.clone()/>
            </Show>
            <div class="actions">
                <Show when=move || live.is_expired()>
                    <RegenerateForm
                        scopes=scopes.clone()
                        agent_name=agent_name.clone()
                        lifetime=lifetime.clone()
                        high_risk_lifetime=high_risk_lifetime.clone()
                        guard_network
                        high_risk
                        return_to=again_return_to.clone()
                    />
                </Show>
                <NewCodeButton return_to/>
            </div>
        </section>
    }
}

/// The panel's live state: the clock, which ticks from the browser's time once hydrated, and
/// the code's status, polled while the code can still be used.
#[derive(Clone, Copy)]
struct LiveCode {
    /// True once the panel runs in the browser: the copy buttons and tabs work from then on.
    hydrated: RwSignal<bool>,
    now: RwSignal<i64>,
    status: RwSignal<CodeStatus>,
    expires_at: i64,
    expired: Memo<bool>,
}

impl LiveCode {
    fn new(server_now: i64, expires_at: i64, status: CodeStatus) -> Self {
        let now = RwSignal::new(server_now);
        let status = RwSignal::new(status);
        let expired = Memo::new(move |_| match status.get() {
            CodeStatus::Redeemed { .. } => false,
            CodeStatus::Expired => true,
            CodeStatus::Waiting => now.get() >= expires_at,
        });
        Self {
            hydrated: RwSignal::new(false),
            now,
            status,
            expires_at,
            expired,
        }
    }

    /// In the browser only: ticks the clock from the browser's time (anchored to the server's)
    /// and polls for redemption while the code can still be used.
    fn run_in_browser(self, server_now: i64) {
        Effect::new(move |_| {
            self.hydrated.set(true);
            let started = now_ms();
            let tick = set_interval_with_handle(
                move || {
                    self.now
                        .set(server_now + ((now_ms() - started) / 1000.0).floor() as i64)
                },
                Duration::from_millis(250),
            )
            .ok();
            let poll = set_interval_with_handle(move || self.poll(), POLL_EVERY).ok();
            on_cleanup(move || {
                tick.into_iter()
                    .chain(poll)
                    .for_each(|handle| handle.clear());
            });
        });
    }

    fn poll(self) {
        if self.status.get_untracked() == CodeStatus::Waiting && !self.expired.get_untracked() {
            spawn_local(async move {
                if let Ok(Some(latest)) = fetch_code_status().await {
                    self.status.set(latest);
                }
            });
        }
    }

    fn is_expired(self) -> bool {
        self.expired.get()
    }

    fn is_redeemed(self) -> bool {
        matches!(self.status.get(), CodeStatus::Redeemed { .. })
    }

    /// Who redeemed the code, while its high-risk permissions wait for the person.
    fn pending_confirmation(self) -> Option<(String, i64, Confirmation)> {
        match self.status.get() {
            CodeStatus::Redeemed {
                agent_name,
                at,
                confirmation: Some(confirmation),
            } if matches!(confirmation.state, ConfirmationState::Pending { .. }) => {
                Some((agent_name, at, confirmation))
            }
            _ => None,
        }
    }

    /// Waiting for the agent and not expired: the code can still be handed over.
    fn is_usable(self) -> bool {
        self.status.get() == CodeStatus::Waiting && !self.expired.get()
    }

    fn seconds_left(self) -> i64 {
        self.expires_at - self.now.get()
    }
}

/// The clipboard, and which copy button was used last (it says "Copied" for two seconds).
#[derive(Clone, Copy)]
struct Clipboard {
    copied: RwSignal<Option<&'static str>>,
}

impl Clipboard {
    fn new() -> Self {
        Self {
            copied: RwSignal::new(None),
        }
    }

    fn copy(self, which: &'static str, text: String) {
        spawn_local(async move {
            if copy_text(text).await {
                self.copied.set(Some(which));
                set_timeout(move || self.copied.set(None), Duration::from_secs(2));
            }
        });
    }

    fn just_copied(self, which: &'static str) -> bool {
        self.copied.get() == Some(which)
    }
}

/// Every instruction text for this code, in tab order.
fn instruction_texts(
    issued: &IssuedCode,
    public_url: &str,
    download: Option<&CliDownload>,
    locale: Locale,
) -> Vec<(Channel, String)> {
    let instructions = Instructions {
        code: &issued.code,
        public_url,
        scopes: &issued.scopes,
        download,
        locale,
    };
    Channel::ALL
        .iter()
        .map(|&c| (c, instructions.text(c)))
        .collect()
}

#[component]
fn CodeHeading(live: LiveCode) -> impl IntoView {
    let locale = language::current();
    view! {
        <h1 id="code-title">
            {move || {
                if live.is_redeemed() {
                    td_string!(locale, panel.connected)
                } else if live.is_expired() {
                    td_string!(locale, panel.expired)
                } else {
                    td_string!(locale, panel.your_code)
                }
            }}
        </h1>
    }
}

/// Waiting, redeemed (by whom and when), or expired; announced as it changes.
#[component]
fn RedemptionStatus(live: LiveCode) -> impl IntoView {
    let locale = language::current();
    let line = move || match live.status.get() {
        CodeStatus::Redeemed {
            agent_name,
            at,
            confirmation,
        } => {
            let at = utc(at);
            let redeemed = td_display!(locale, panel.redeemed_by, agent_name, at);
            let then = match confirmation.map(|c| c.state) {
                Some(ConfirmationState::Pending { .. }) => td_string!(locale, panel.then_waiting),
                Some(ConfirmationState::Approved) => td_string!(locale, panel.then_approved),
                Some(ConfirmationState::Revoked) => td_string!(locale, panel.then_revoked),
                None => "",
            };
            format!("{redeemed}{then}")
        }
        _ if live.is_expired() => td_string!(locale, panel.expired_unused).to_owned(),
        _ => td_string!(locale, panel.waiting).to_owned(),
    };
    let class = move || match live.status.get() {
        CodeStatus::Redeemed {
            confirmation: Some(confirmation),
            ..
        } => match confirmation.state {
            ConfirmationState::Pending { .. } => "status status-waiting",
            ConfirmationState::Approved => "status status-ok",
            ConfirmationState::Revoked => "status status-expired",
        },
        CodeStatus::Redeemed { .. } => "status status-ok",
        _ if live.is_expired() => "status status-expired",
        _ => "status status-waiting",
    };
    view! {
        <p role="status" class=class>
            <span class="status-dot" aria-hidden="true"></span>
            {line}
        </p>
    }
}

/// The code itself, the time left, and its copy button.
#[component]
fn CodeRow(code: String, live: LiveCode, clipboard: Clipboard) -> impl IntoView {
    let locale = language::current();
    view! {
        <div class="code-row">
            <div class="code" role="textbox" aria-readonly="true" aria-label=td_string!(locale, panel.code_label) tabindex="0">
                {code_groups(&code)}
            </div>
            <div class="code-side">
                <Countdown live/>
                <CopyButton
                    which="code"
                    label=td_string!(locale, panel.copy_code)
                    class="btn"
                    text=move || code.clone()
                    hydrated=live.hydrated
                    clipboard
                />
            </div>
        </div>
    }
}

#[component]
fn Countdown(live: LiveCode) -> impl IntoView {
    let time_left = td_string!(language::current(), panel.time_left);
    view! {
        <p class="countdown">
            {time_left} " " <span role="timer" aria-label=time_left>{move || countdown(live.seconds_left())}</span>
        </p>
    }
}

/// A button that puts `text()` on the clipboard, hidden until the panel runs in the browser.
#[component]
fn CopyButton(
    which: &'static str,
    label: &'static str,
    class: &'static str,
    text: impl Fn() -> String + Send + Sync + 'static,
    hydrated: RwSignal<bool>,
    clipboard: Clipboard,
) -> impl IntoView {
    let copied = td_string!(language::current(), panel.copied);
    view! {
        <button
            type="button"
            class=class
            hidden=move || !hydrated.get()
            on:click=move |_| clipboard.copy(which, text())
        >
            {move || if clipboard.just_copied(which) { copied } else { label }}
        </button>
    }
}

/// One tab per kind of agent, with the copy button of the selected text. Without JavaScript
/// every panel shows, each under its label.
#[component]
fn InstructionTabs(
    texts: Vec<(Channel, String)>,
    hydrated: RwSignal<bool>,
    clipboard: Clipboard,
) -> impl IntoView {
    let locale = language::current();
    let selected = RwSignal::new(Channel::Cli);
    let selected_text = {
        let texts = texts.clone();
        move || {
            texts
                .iter()
                .find(|(c, _)| *c == selected.get_untracked())
                .map(|(_, t)| t.clone())
                .unwrap_or_default()
        }
    };
    view! {
        <div class="tabs">
            <div class="tabs-head">
                <TabList selected/>
                <CopyButton
                    which="instructions"
                    label=td_string!(locale, panel.copy_instructions)
                    class="btn btn-quiet"
                    text=selected_text
                    hydrated
                    clipboard
                />
            </div>
            {texts
                .into_iter()
                .map(|(channel, text)| view! { <TabPanel channel text selected hydrated/> })
                .collect_view()}
        </div>
    }
}

/// The tabs, moved between with the arrow, Home and End keys (WAI-ARIA tabs pattern).
#[component]
fn TabList(selected: RwSignal<Channel>) -> impl IntoView {
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let index = Channel::ALL
            .iter()
            .position(|&c| c == selected.get_untracked())
            .unwrap_or(0);
        let next = match ev.key().as_str() {
            "ArrowRight" => (index + 1) % Channel::ALL.len(),
            "ArrowLeft" => (index + Channel::ALL.len() - 1) % Channel::ALL.len(),
            "Home" => 0,
            "End" => Channel::ALL.len() - 1,
            _ => return,
        };
        ev.prevent_default();
        selected.set(Channel::ALL[next]);
        focus(&format!("tab-{}", Channel::ALL[next].slug()));
    };
    let locale = language::current();
    view! {
        <div role="tablist" aria-label=td_string!(locale, panel.tabs_label) class="tablist" on:keydown=on_key>
            {Channel::ALL
                .iter()
                .map(|&channel| {
                    view! {
                        <button
                            type="button"
                            role="tab"
                            id=format!("tab-{}", channel.slug())
                            aria-controls=format!("panel-{}", channel.slug())
                            aria-selected=move || (selected.get() == channel).to_string()
                            tabindex=move || if selected.get() == channel { "0" } else { "-1" }
                            on:click=move |_| selected.set(channel)
                        >
                            {channel.label(locale)}
                        </button>
                    }
                })
                .collect_view()}
        </div>
    }
}

#[component]
fn TabPanel(
    channel: Channel,
    text: String,
    selected: RwSignal<Channel>,
    hydrated: RwSignal<bool>,
) -> impl IntoView {
    let locale = language::current();
    view! {
        <div
            role="tabpanel"
            class="tabpanel"
            id=format!("panel-{}", channel.slug())
            aria-labelledby=format!("tab-{}", channel.slug())
            tabindex="0"
            hidden=move || hydrated.get() && selected.get() != channel
        >
            <p class="panel-label" hidden=move || hydrated.get()>{channel.label(locale)}</p>
            <pre>{text}</pre>
        </div>
    }
}

/// Who redeemed the code, for the person to recognise, and Approve or Deny: until then its
/// high-risk permissions wait. Plain forms: the answer is this page again, from the server.
#[component]
fn ConfirmAgent(
    agent_name: String,
    at: i64,
    confirmation: Confirmation,
    return_to: String,
) -> impl IntoView {
    let Confirmation {
        grant_id,
        client_software,
        address,
        waiting,
        state,
    } = confirmation;
    let until = match state {
        ConfirmationState::Pending { until } => until,
        _ => at,
    };
    let locale = language::current();
    view! {
        <section class="confirm-agent" aria-labelledby="confirm-agent-title">
            <h2 id="confirm-agent-title">{td_string!(locale, panel.is_this_yours)}</h2>
            <p>
                {td_display!(locale, panel.approve_only_if, scopes = waiting.join(td_string!(locale, panel.list_separator))).to_string()}
            </p>
            <dl class="facts" aria-label=td_string!(locale, panel.who_redeemed)>
                <div><dt>{td_string!(locale, panel.agent)}</dt><dd>{agent_name}</dd></div>
                <div>
                    <dt>{td_string!(locale, panel.software)}</dt>
                    <dd>{client_software.unwrap_or_else(|| td_string!(locale, panel.not_given).to_owned())}</dd>
                </div>
                <div>
                    <dt>{td_string!(locale, panel.address)}</dt>
                    <dd><code>{address.unwrap_or_else(|| td_string!(locale, panel.unknown).to_owned())}</code></dd>
                </div>
                <div><dt>{td_string!(locale, panel.redeemed)}</dt><dd>{utc(at)}</dd></div>
            </dl>
            <div class="actions">
                <form method="post" action=ApproveAgent::url()>
                    <input type="hidden" name=RETURN_FIELD value=return_to.clone()/>
                    <input type="hidden" name="grant_id" value=grant_id.clone()/>
                    <button type="submit" class="btn btn-primary">{td_string!(locale, panel.approve)}</button>
                </form>
                <form method="post" action=DenyAgent::url()>
                    <input type="hidden" name=RETURN_FIELD value=return_to/>
                    <input type="hidden" name="grant_id" value=grant_id/>
                    <button type="submit" class="btn btn-danger">{td_string!(locale, panel.deny)}</button>
                </form>
            </div>
            <p class="hint">
                {td_display!(locale, panel.deny_hint, until = utc(until)).to_string()}
            </p>
        </section>
    }
}

/// What a redeemed code granted, and where to take it back.
#[component]
fn RedeemedNote(granted: String) -> impl IntoView {
    let locale = language::current();
    view! {
        <p class="lede">
            {td_string!(locale, panel.can_act_with)} " " <span class="scope-list">{granted}</span>
            {td_string!(locale, panel.can_act_with_end)} {td_string!(locale, panel.revoke_before)}
            <a href="/security">{td_string!(locale, panel.security_page)}</a>
            {td_string!(locale, panel.revoke_after)}
        </p>
    }
}

/// "Generate a new code" with the same permissions and agent name as the expired one. A plain
/// form: the answer is a new page, rendered by the server.
#[component]
fn RegenerateForm(
    scopes: Vec<String>,
    agent_name: String,
    lifetime: String,
    high_risk_lifetime: String,
    guard_network: bool,
    high_risk: bool,
    return_to: String,
) -> impl IntoView {
    view! {
        <form method="post" action=GenerateCode::url()>
            <input type="hidden" name=RETURN_FIELD value=return_to/>
            {scopes
                .into_iter()
                .map(|scope| view! { <input type="hidden" name="scopes[]" value=scope/> })
                .collect_view()}
            <input type="hidden" name="agent_name" value=agent_name/>
            <input type="hidden" name="lifetime" value=lifetime/>
            <input type="hidden" name="high_risk_lifetime" value=high_risk_lifetime/>
            {guard_network.then(|| view! { <input type="hidden" name="guard_network" value="yes"/> })}
            {high_risk.then(|| view! { <input type="hidden" name="confirm_high_risk" value="yes"/> })}
            <button type="submit" class="btn btn-primary">{td_string!(language::current(), panel.new_code)}</button>
        </form>
    }
}

/// "Generate another": back to the form, the current code left to expire.
#[component]
fn NewCodeButton(return_to: String) -> impl IntoView {
    view! {
        <form method="post" action=NewCodeForm::url()>
            <input type="hidden" name=RETURN_FIELD value=return_to/>
            <button type="submit" class="btn btn-quiet">{td_string!(language::current(), panel.another)}</button>
        </form>
    }
}

/// The code with a line-break opportunity after each dash, so it only ever wraps between
/// groups. The text content stays exactly the code.
fn code_groups(code: &str) -> impl IntoView + use<> {
    let groups: Vec<String> = code.split('-').map(str::to_owned).collect();
    let last = groups.len().saturating_sub(1);
    groups
        .into_iter()
        .enumerate()
        .map(|(i, group)| {
            view! {
                <span class="code-group">{group}{(i < last).then_some("-")}</span>
                {(i < last).then(|| view! { <wbr/> })}
            }
        })
        .collect_view()
}
