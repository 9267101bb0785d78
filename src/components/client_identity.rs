//! Who is asking, on the consent and device pages: the application's name, where that name
//! comes from (a metadata document its domain publishes, or only its own registration), where
//! it sends the person back to, and a warning when that is only ever this device.

use leptos::prelude::*;

use crate::model::{ClientIdentity, ClientSummary};

#[component]
pub fn ClientIdentityFacts(
    client: ClientSummary,
    /// Where the browser goes after the decision (the consent page only).
    #[prop(optional)]
    redirect_host: Option<String>,
) -> impl IntoView {
    let identity = match client.identity {
        ClientIdentity::Verified { domain } => view! {
            <span class="badge badge-ok">"Verified"</span>
            " Its details are published by "
            <strong>{domain}</strong>
            ", fetched over https."
        }
        .into_any(),
        ClientIdentity::SelfDeclared => view! {
            <span class="badge badge-muted">"Unverified"</span>
            " The name \""
            {client.name}
            "\" is what the application calls itself; nobody has checked it."
        }
        .into_any(),
    };
    view! {
        <dl class="facts" aria-label="Who is asking">
            <div>
                <dt>"Identity"</dt>
                <dd>{identity}</dd>
            </div>
            {redirect_host.map(|host| view! {
                <div>
                    <dt>"Sends you back to"</dt>
                    <dd><strong>{host}</strong></dd>
                </div>
            })}
        </dl>
        {client.loopback_only.then(|| view! {
            <p class="note-warn" role="note">
                <strong>"Runs on this device only. "</strong>
                "It sends you back to a loopback address, so any program on this computer could have registered it under this name. Approve only if you just started it yourself."
            </p>
        })}
    }
}
