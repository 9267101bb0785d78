//! A permission as every page shows it: its title, what it allows, its name, and a badge when
//! it is high-risk; and the confirmation a high-risk permission asks for.

use leptos::prelude::*;

use crate::language::{self, Locale, td_string};
use crate::scopes::Scope;

/// One scope. On the picker of /connect (`checked` given) it is a checkbox labelled with the
/// scope's title; on the device and consent pages, an item of the list of what is asked.
#[component]
pub fn ScopeItem(
    scope: Scope,
    /// Makes the item a checkbox, ticked or not when the form appears.
    #[prop(optional)]
    checked: Option<bool>,
) -> impl IntoView {
    let high_risk = scope.high_risk;
    let title = scope.title_in(language::current());
    match checked {
        Some(checked) => {
            let id = format!("scope-{}", scope.name.replace('.', "-"));
            let desc_id = format!("{id}-desc");
            view! {
                <div class="scope" class:scope-risky=high_risk>
                    <input
                        type="checkbox"
                        id=id.clone()
                        name="scopes[]"
                        value=scope.name.clone()
                        checked=checked
                        aria-describedby=desc_id.clone()
                    />
                    <div class="scope-text">
                        <label for=id>{title}</label>
                        <ScopeDescription scope id=desc_id/>
                    </div>
                </div>
            }
            .into_any()
        }
        None => view! {
            <li class="scope" class:scope-risky=high_risk>
                <div class="scope-text">
                    <p class="scope-title">{title}</p>
                    <ScopeDescription scope/>
                </div>
            </li>
        }
        .into_any(),
    }
}

#[component]
fn ScopeDescription(scope: Scope, #[prop(optional)] id: Option<String>) -> impl IntoView {
    let locale = language::current();
    view! {
        <p class="scope-desc" id=id>
            {scope.description_in(locale)} " " <code>{scope.name}</code>
            {scope.high_risk.then(|| view! { <span class="risk-badge">{td_string!(locale, connect.high_risk)}</span> })}
        </p>
    }
}

/// What the high-risk scopes among `scopes` allow, in words ("place and cancel orders"), or
/// `None` when there is none.
pub fn high_risk_actions(scopes: &[Scope], locale: Locale) -> Option<String> {
    let titles: Vec<String> = scopes
        .iter()
        .filter(|s| s.high_risk)
        .map(|s| match locale {
            Locale::en => s.title_in(locale).to_lowercase(),
            _ => s.title_in(locale),
        })
        .collect();
    (!titles.is_empty()).then(|| titles.join(td_string!(locale, connect.and)))
}

/// The warning beside high-risk scopes and the box that confirms it, posted as
/// `confirm_high_risk=yes`.
#[component]
pub fn HighRiskConfirmation(
    /// Follows "Careful: ".
    warning: &'static str,
    /// The checkbox's label.
    label: String,
    /// Whether the browser insists on the box before the form is sent.
    #[prop(optional)]
    required: bool,
    /// The id of the form the box belongs to, when it stands outside it.
    #[prop(optional)]
    form: Option<&'static str>,
) -> impl IntoView {
    view! {
        <div class="confirm-risk">
            <p class="warning">
                <strong>{td_string!(language::current(), connect.careful)}</strong>
                {warning}
            </p>
            <div class="check">
                <input type="checkbox" id="confirm-high-risk" form=form name="confirm_high_risk" value="yes" required=required/>
                <label for="confirm-high-risk">{label}</label>
            </div>
        </div>
    }
}
