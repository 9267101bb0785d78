//! A grant's permissions as chips, its high-risk ones with how long they stay active and, once
//! that has passed, the one-click renewal.

use leptos::prelude::*;

use crate::api::security::RenewHighRisk;
use crate::components::form::ReturnHere;
use crate::language::{self, Locale, td_display, td_string};
use crate::model::GrantView;
use crate::timefmt::{relative_in, utc};

/// "ends in 1 hour", in the visitor's language.
fn until_in(locale: Locale, until: i64, now: i64) -> String {
    td_display!(
        locale,
        security.until,
        when = relative_in(locale, until, now)
    )
    .to_string()
}

/// Where a renewal sends the browser back to.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum RenewFrom {
    Security,
    Agent,
}

#[component]
pub fn GrantScopes(
    grant: GrantView,
    now: i64,
    renew: ServerAction<RenewHighRisk>,
    from: RenewFrom,
) -> impl IntoView {
    let lapsed = grant.high_risk_until.is_some_and(|until| until <= now);
    let pending = grant.pending_until.filter(|until| *until > now);
    let limit = grant
        .high_risk_until
        .filter(|_| !grant.high_risk.is_empty());
    let locale = language::current();
    view! {
        <ul class="chips">
            {grant
                .scopes
                .iter()
                .map(|scope| {
                    let risky = grant.high_risk.contains(scope);
                    view! {
                        <li
                            class:chip-risk=risky
                            class:chip-lapsed=risky && lapsed && pending.is_none()
                            class:chip-pending=risky && pending.is_some()
                        >
                            <code>{scope.clone()}</code>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
        {pending.map(|until| view! {
            <p class="hint risk-limit">
                {td_display!(locale, security.scopes_waiting, scopes = grant.high_risk.join(td_string!(locale, panel.list_separator))).to_string()}
                <time datetime=utc(until) title=utc(until)>{until_in(locale, until, now)}</time>
            </p>
        })}
        {limit.filter(|_| pending.is_none()).map(|until| {
            let names = grant.high_risk.join(td_string!(locale, panel.list_separator));
            if lapsed {
                view! {
                    <div class="risk-limit risk-renew">
                        <p class="hint">
                            {td_display!(locale, security.scopes_ended, names = names.clone(), when = relative_in(locale, until, now)).to_string()}
                        </p>
                        <ActionForm action=renew>
                            <ReturnHere/>
                            <input type="hidden" name="grant_id" value=grant.id.clone()/>
                            <input type="hidden" name="back" value=if from == RenewFrom::Agent { "agent" } else { "security" }/>
                            <button type="submit" class="btn btn-small" aria-label=td_display!(locale, security.renew_label, names = names.clone(), agent = grant.agent_name.clone()).to_string()>
                                {td_string!(locale, security.renew)}
                            </button>
                        </ActionForm>
                    </div>
                }
                .into_any()
            } else {
                view! {
                    <p class="hint risk-limit">
                        {format!("{names} ")}
                        <time datetime=utc(until) title=utc(until)>{until_in(locale, until, now)}</time>
                    </p>
                }
                .into_any()
            }
        })}
    }
}
