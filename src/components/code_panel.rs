//! A freshly issued code: shown large, with a live countdown, copy buttons, paste-ready
//! instructions per kind of agent, and its redemption as soon as it happens.
//!
//! The one island of the portal: the only part of any page that runs in the browser. Every
//! other page is plain server-rendered HTML whose forms post natively, so the bundle holds
//! just this panel. Without JavaScript it still shows the code, the time left at load, and
//! every instruction text.

use std::time::Duration;

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos::task::spawn_local;

use crate::api::connect::{GenerateCode, NewCodeForm, fetch_code_status};
use crate::components::browser::{copy_text, focus, now_ms};
use crate::instructions::{Channel, Instructions};
use crate::links::return_path::RETURN_FIELD;
use crate::model::{CodeStatus, IssuedCode};
use crate::timefmt::{countdown, utc};

/// How often the page asks whether the code was redeemed.
const POLL_EVERY: Duration = Duration::from_secs(2);

#[island]
pub fn CodePanel(
    issued: IssuedCode,
    public_url: String,
    /// Server time when the page data was read.
    server_now: i64,
    /// True when the catalogue marks one of the code's scopes high-risk.
    high_risk: bool,
    /// The page's own path and query, where the panel's forms come back to.
    return_to: String,
) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    let now = RwSignal::new(server_now);
    let status = RwSignal::new(issued.status.clone());
    let expires_at = issued.expires_at;
    let expired = Memo::new(move |_| match status.get() {
        CodeStatus::Redeemed { .. } => false,
        CodeStatus::Expired => true,
        CodeStatus::Waiting => now.get() >= expires_at,
    });

    // In the browser only: tick the countdown from the browser's clock (anchored to the
    // server's time) and poll for redemption while the code can still be used.
    Effect::new(move |_| {
        hydrated.set(true);
        let started = now_ms();
        let tick = set_interval_with_handle(
            move || now.set(server_now + ((now_ms() - started) / 1000.0).floor() as i64),
            Duration::from_millis(250),
        )
        .ok();
        let poll = set_interval_with_handle(
            move || {
                if status.get_untracked() == CodeStatus::Waiting && !expired.get_untracked() {
                    spawn_local(async move {
                        if let Ok(Some(latest)) = fetch_code_status().await {
                            status.set(latest);
                        }
                    });
                }
            },
            POLL_EVERY,
        )
        .ok();
        on_cleanup(move || {
            tick.into_iter()
                .chain(poll)
                .for_each(|handle| handle.clear());
        });
    });

    let instructions = Instructions {
        code: &issued.code,
        public_url: &public_url,
        scopes: &issued.scopes,
    };
    let texts: Vec<(Channel, String)> = Channel::ALL
        .iter()
        .map(|&c| (c, instructions.text(c)))
        .collect();
    let selected = RwSignal::new(Channel::Cli);
    let copied = RwSignal::new(None::<&'static str>);
    let copy = move |which: &'static str, text: String| {
        spawn_local(async move {
            if copy_text(text).await {
                copied.set(Some(which));
                set_timeout(move || copied.set(None), Duration::from_secs(2));
            }
        });
    };
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
    let code = issued.code.clone();
    let on_tab_key = move |ev: leptos::ev::KeyboardEvent| {
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

    let status_line = move || match status.get() {
        CodeStatus::Redeemed { agent_name, at } => {
            format!("Redeemed by {agent_name} at {}", utc(at))
        }
        _ if expired.get() => {
            "This code has expired. It was never used, so nothing was granted.".to_owned()
        }
        _ => "Waiting for your agent to use this code…".to_owned(),
    };
    let status_class = move || match status.get() {
        CodeStatus::Redeemed { .. } => "status status-ok",
        _ if expired.get() => "status status-expired",
        _ => "status status-waiting",
    };
    let live = move || status.get() == CodeStatus::Waiting && !expired.get();
    let redeemed = move || matches!(status.get(), CodeStatus::Redeemed { .. });
    let scopes = issued.scopes.clone();
    let granted = issued.scopes.join(", ");
    let again_scopes = issued.scopes.clone();
    let agent_name = issued.agent_name.clone().unwrap_or_default();
    let again_return_to = return_to.clone();

    view! {
        <section class="card code-card" aria-labelledby="code-title">
            <h1 id="code-title">
                {move || {
                    if redeemed() {
                        "Your agent is connected"
                    } else if expired.get() {
                        "Code expired"
                    } else {
                        "Your agent auth code"
                    }
                }}
            </h1>
            <p role="status" class=status_class>
                <span class="status-dot" aria-hidden="true"></span>
                {status_line}
            </p>
            <Show when=live>
                <p class="lede">
                    "Give this code to your agent. It works once, within 5 minutes, and grants only: "
                    <span class="scope-list">{scopes.join(", ")}</span>"."
                </p>
                <div class="code-row">
                    <div class="code" role="textbox" aria-readonly="true" aria-label="Agent auth code" tabindex="0">
                        {code_groups(&code)}
                    </div>
                    <div class="code-side">
                        <p class="countdown">
                            "Time left " <span role="timer" aria-label="Time left">{move || countdown(expires_at - now.get())}</span>
                        </p>
                        <button
                            type="button"
                            class="btn"
                            hidden=move || !hydrated.get()
                            on:click={
                                let code = code.clone();
                                move |_| copy("code", code.clone())
                            }
                        >
                            {move || if copied.get() == Some("code") { "Copied" } else { "Copy code" }}
                        </button>
                    </div>
                </div>
                <div class="tabs">
                    <div class="tabs-head">
                        <div role="tablist" aria-label="How to give the code to your agent" class="tablist" on:keydown=on_tab_key>
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
                                            {channel.label()}
                                        </button>
                                    }
                                })
                                .collect_view()}
                        </div>
                        <button
                            type="button"
                            class="btn btn-quiet"
                            hidden=move || !hydrated.get()
                            on:click={
                                let selected_text = selected_text.clone();
                                move |_| copy("instructions", selected_text())
                            }
                        >
                            {move || if copied.get() == Some("instructions") { "Copied" } else { "Copy instructions" }}
                        </button>
                    </div>
                    {texts
                        .iter()
                        .map(|(channel, text)| {
                            let channel = *channel;
                            view! {
                                <div
                                    role="tabpanel"
                                    class="tabpanel"
                                    id=format!("panel-{}", channel.slug())
                                    aria-labelledby=format!("tab-{}", channel.slug())
                                    tabindex="0"
                                    hidden=move || hydrated.get() && selected.get() != channel
                                >
                                    <p class="panel-label" hidden=move || hydrated.get()>{channel.label()}</p>
                                    <pre>{text.clone()}</pre>
                                </div>
                            }
                        })
                        .collect_view()}
                </div>
            </Show>
            <Show when=redeemed>
                <p class="lede">
                    "It can now act with: " <span class="scope-list">{granted.clone()}</span>
                    ". You can revoke it at any time on the " <a href="/security">"Security page"</a> "."
                </p>
            </Show>
            <div class="actions">
                <Show when=move || expired.get()>
                    <RegenerateForm
                        scopes=again_scopes.clone()
                        agent_name=agent_name.clone()
                        high_risk
                        return_to=again_return_to.clone()
                    />
                </Show>
                <form method="post" action=NewCodeForm::url()>
                    <input type="hidden" name=RETURN_FIELD value=return_to.clone()/>
                    <button type="submit" class="btn btn-quiet">"Generate another"</button>
                </form>
            </div>
        </section>
    }
}

/// "Generate a new code" with the same permissions and agent name as the expired one. A plain
/// form: the answer is a new page, rendered by the server.
#[component]
fn RegenerateForm(
    scopes: Vec<String>,
    agent_name: String,
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
            {high_risk.then(|| view! { <input type="hidden" name="confirm_high_risk" value="yes"/> })}
            <button type="submit" class="btn btn-primary">"Generate a new code"</button>
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
