//! Form pieces: labelled fields, the submit button that shows progress, and the alert that
//! shows a form's error whether it came back to the hydrated page or through the session.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::error::AppError;
use crate::links::return_path::RETURN_FIELD;
use crate::model::FormError;

/// The error to show for a form: the last answer of its action, or, before any, the error a
/// post without JavaScript left in the session for the server function at `path`.
pub fn form_error(
    value: impl Get<Value = Option<Result<(), AppError>>> + Send + Sync + 'static,
    pending: Option<FormError>,
    path: &str,
) -> Signal<Option<String>> {
    let pending = pending.filter(|e| e.action == path).map(|e| e.message);
    let locale = crate::language::current();
    Signal::derive(move || match value.get() {
        Some(Err(err)) => Some(err.message(locale)),
        Some(Ok(())) => None,
        None => pending.clone(),
    })
}

/// An error message, announced to screen readers as it appears.
#[component]
pub fn FormAlert(#[prop(into)] error: Signal<Option<String>>) -> impl IntoView {
    move || {
        error.get().map(|message| {
            view! {
                <div class="alert" role="alert">
                                        <p>{message}</p>
                </div>
            }
        })
    }
}

/// A labelled text input.
#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional)] minlength: Option<u32>,
    #[prop(optional, into)] value: String,
) -> impl IntoView {
    let id = format!("field-{name}");
    let hint_id = hint.map(|_| format!("{id}-hint"));
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                required=required
                minlength=minlength
                value=value
                aria-describedby=hint_id.clone()
            />
            {hint.map(|text| view! { <p class="hint" id=hint_id>{text}</p> })}
        </div>
    }
}

/// A submit button that says what is happening while its form is on its way.
#[component]
pub fn SubmitButton(
    label: &'static str,
    busy: &'static str,
    #[prop(into)] pending: Signal<bool>,
    #[prop(default = "btn btn-primary")] class: &'static str,
) -> impl IntoView {
    view! {
        <button type="submit" class=class aria-disabled=move || pending.get().then_some("true")>
            {move || if pending.get() { busy } else { label }}
        </button>
    }
}

/// The page a form was posted from, as a hidden field. The portal sends no `Referer`
/// (`Referrer-Policy: no-referrer`), so a form posted without JavaScript says itself where its
/// answer should send the browser back to.
#[component]
pub fn ReturnHere() -> impl IntoView {
    let location = use_location();
    let here = move || crate::links::with_query(&location.pathname.get(), &location.search.get());
    view! { <input type="hidden" name=RETURN_FIELD value=here/> }
}
