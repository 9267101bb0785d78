//! `/device`: the RFC 8628 verification page. Enter the code a device shows (or arrive with
//! it from `verification_uri_complete`), check the client and permissions, approve or deny.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use crate::api::device::{ApproveDevice, DenyDevice, fetch_device_view};
use crate::components::client_identity::ClientIdentityFacts;
use crate::components::form::{FormAlert, ReturnHere, form_error};
use crate::components::scope_item::{HighRiskConfirmation, ScopeItem, high_risk_actions};
use crate::language::{self, td_display, td_string};
use crate::model::{DeviceRequest, FormError};
use crate::pages::PageData;

#[component]
pub fn DevicePage() -> impl IntoView {
    let approve = ServerAction::<ApproveDevice>::new();
    let deny = ServerAction::<DenyDevice>::new();
    let query = use_query_map();
    let data = Resource::new(
        move || query.with(|q| q.get("user_code")),
        fetch_device_view,
    );
    let locale = language::current();
    view! {
        <Title text=td_string!(locale, oauth.device_title)/>
        <PageData data render=move |data, pending| {
                let (entered, done) = query.with(|q| (q.get("user_code").unwrap_or_default(), q.get("done")));
                match (data.request, done.as_deref()) {
                    (Some(request), _) => {
                        view! { <DeviceDecision request approve deny pending/> }.into_any()
                    }
                    (None, Some("approved")) => decided(td_string!(locale, oauth.device_approved), true),
                    (None, Some("denied")) => decided(td_string!(locale, oauth.device_denied), false),
                    (None, _) => {
                        let error = if data.not_found {
                            Some(td_string!(locale, oauth.code_not_found).to_owned())
                        } else {
                            // A decision posted without JavaScript that failed lands back here.
                            pending
                                .filter(|e| e.action == ApproveDevice::PATH || e.action == DenyDevice::PATH)
                                .map(|e| e.message)
                        };
                        view! { <CodeEntry entered error/> }.into_any()
                    }
                }
        }/>
    }
}

/// Step 1: the code as the device shows it. A plain GET form, so it works without JavaScript
/// and the code stays in the address for the sign-in round trip.
#[component]
fn CodeEntry(entered: String, error: Option<String>) -> impl IntoView {
    let locale = language::current();
    view! {
        <section class="card narrow" aria-labelledby="device-title">
            <h1 id="device-title">{td_string!(locale, oauth.device_title)}</h1>
            <p class="lede">{td_string!(locale, oauth.device_lede)}</p>
            <FormAlert error=Signal::derive(move || error.clone())/>
            <Form method="GET" action="/device" attr:class="stack">
                <div class="field">
                    <label for="user-code">{td_string!(locale, oauth.code)}</label>
                    <input
                        id="user-code"
                        name="user_code"
                        class="user-code-input"
                        required
                        autocomplete="off"
                        autocapitalize="characters"
                        spellcheck="false"
                        maxlength="32"
                        placeholder="XXXX-XXXX"
                        value=entered
                        aria-describedby="user-code-hint"
                    />
                    <p class="hint" id="user-code-hint">{td_string!(locale, oauth.code_hint)}</p>
                </div>
                <button type="submit" class="btn btn-primary">{td_string!(locale, oauth.next_step)}</button>
            </Form>
        </section>
    }
}

/// Step 2: who is asking, for what, and the code to compare with the device.
#[component]
fn DeviceDecision(
    request: DeviceRequest,
    approve: ServerAction<ApproveDevice>,
    deny: ServerAction<DenyDevice>,
    pending: Option<FormError>,
) -> impl IntoView {
    let approve_error = form_error(approve.value(), pending.clone(), ApproveDevice::PATH);
    let deny_error = form_error(deny.value(), pending, DenyDevice::PATH);
    let error = Signal::derive(move || approve_error.get().or_else(|| deny_error.get()));
    let DeviceRequest {
        user_code,
        client,
        scopes,
        qr_data_uri,
    } = request;
    let locale = language::current();
    let risky = high_risk_actions(&scopes, locale);
    view! {
        <section class="card" aria-labelledby="device-title">
            <h1 id="device-title">{td_string!(locale, oauth.device_title)}</h1>
            <FormAlert error/>
            <p class="lede">
                <strong>{client.name.clone()}</strong>
                {td_string!(locale, oauth.device_asks)}
            </p>
            <ClientIdentityFacts client/>
            <ul class="device-scopes" aria-label=td_string!(locale, oauth.requested_permissions)>
                {scopes.into_iter().map(|scope| view! { <ScopeItem scope/> }).collect_view()}
            </ul>
            // Part of the Approve form below (the `form` attribute), kept beside the warning
            // it answers.
            {risky.map(|actions| view! {
                <HighRiskConfirmation
                    warning=td_string!(locale, oauth.device_high_risk_warning)
                    label=td_display!(locale, connect.high_risk_understood, actions).to_string()
                    required=true
                    form=APPROVE_FORM
                />
            })}
            <CodeToCompare user_code=user_code.clone()/>
            <DecisionButtons user_code approve deny/>
            {qr_data_uri.map(|src| view! { <DeviceQr src/> })}
        </section>
    }
}

/// The id of the Approve form, which the high-risk confirmation belongs to.
const APPROVE_FORM: &str = "device-approve";

/// The code the device should be showing, and why it matters that it does.
#[component]
fn CodeToCompare(user_code: String) -> impl IntoView {
    let locale = language::current();
    view! {
        <p class="device-code-label" id="device-code-label">{td_string!(locale, oauth.device_should_show)}</p>
        <div class="code device-code" role="textbox" aria-readonly="true" aria-labelledby="device-code-label" tabindex="0">
            {user_code}
        </div>
        <p class="device-warning" role="note">{td_string!(locale, oauth.device_warning)}</p>
    }
}

#[component]
fn DecisionButtons(
    user_code: String,
    approve: ServerAction<ApproveDevice>,
    deny: ServerAction<DenyDevice>,
) -> impl IntoView {
    let deny_code = user_code.clone();
    let locale = language::current();
    view! {
        <div class="actions">
            <ActionForm action=approve attr:id=APPROVE_FORM>
                <ReturnHere/>
                <input type="hidden" name="user_code" value=user_code/>
                <button type="submit" class="btn btn-primary">{td_string!(locale, oauth.approve)}</button>
            </ActionForm>
            <ActionForm action=deny>
                <ReturnHere/>
                <input type="hidden" name="user_code" value=deny_code/>
                <button type="submit" class="btn btn-danger-quiet">{td_string!(locale, oauth.deny)}</button>
            </ActionForm>
        </div>
    }
}

/// The QR code of this page's link with the code filled in, to open it on another device.
#[component]
fn DeviceQr(src: String) -> impl IntoView {
    let locale = language::current();
    view! {
        <figure class="device-qr">
            <img src=src width="160" height="160" alt=td_string!(locale, oauth.qr_alt)/>
            <figcaption>{td_string!(locale, oauth.qr_caption)}</figcaption>
        </figure>
    }
}

/// After the decision: what happened, and a way to enter another code.
fn decided(message: &'static str, approved: bool) -> AnyView {
    let locale = language::current();
    view! {
        <section class="card narrow" aria-labelledby="device-title">
            <h1 id="device-title">{td_string!(locale, oauth.device_title)}</h1>
            <p role="status" class="status" class:status-ok=approved>
                <span class="status-dot" aria-hidden="true"></span>
                {message}
            </p>
            <a class="btn" href="/device">{td_string!(locale, oauth.another_code)}</a>
        </section>
    }
    .into_any()
}
