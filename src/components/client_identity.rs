//! Who is asking, on the consent and device pages: the application's name, where that name
//! comes from (a metadata document its domain publishes, or only its own registration), where
//! it sends the person back to, and a warning when that is only ever this device.

use leptos::prelude::*;

use crate::language::{self, td_display, td_string};
use crate::model::{ClientIdentity, ClientSummary};

#[component]
pub fn ClientIdentityFacts(
    client: ClientSummary,
    /// Where the browser goes after the decision (the consent page only).
    #[prop(optional)]
    redirect_host: Option<String>,
) -> impl IntoView {
    let locale = language::current();
    let identity = match client.identity {
        ClientIdentity::Verified { domain } => view! {
            <span class="badge badge-ok">{td_string!(locale, oauth.verified)}</span>
            " " {td_string!(locale, oauth.verified_before)}
            <strong>{domain}</strong>
            {td_string!(locale, oauth.verified_after)}
        }
        .into_any(),
        ClientIdentity::SelfDeclared => {
            let name = client.name;
            view! {
                <span class="badge badge-muted">{td_string!(locale, oauth.unverified)}</span>
                " " {td_display!(locale, oauth.self_declared, name).to_string()}
            }
            .into_any()
        }
    };
    view! {
        <dl class="facts" aria-label=td_string!(locale, oauth.who_is_asking)>
            <div>
                <dt>{td_string!(locale, oauth.identity)}</dt>
                <dd>{identity}</dd>
            </div>
            {redirect_host.map(|host| view! {
                <div>
                    <dt>{td_string!(locale, oauth.sends_back_to)}</dt>
                    <dd><strong>{host}</strong></dd>
                </div>
            })}
        </dl>
        {client.loopback_only.then(|| view! {
            <p class="note-warn" role="note">
                <strong>{td_string!(locale, oauth.loopback_title)}</strong>
                {td_string!(locale, common.sentence_gap)}{td_string!(locale, oauth.loopback_warning)}
            </p>
        })}
    }
}
