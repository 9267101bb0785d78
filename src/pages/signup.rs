//! `/signup`: creating an account signs you in.

use std::sync::LazyLock;

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::account::SignUp;
use crate::components::form::{Field, FormAlert, ReturnHere, SubmitButton, form_error};
use crate::language::{self, Locale, td_display, td_string};
use crate::page_context::use_page_context;

/// The shortest password the server accepts, for the hint and the browser's own check. Only
/// the server draws this page (the wasm bundle holds just the code panel island), so the
/// bundle, which has no password rules, never uses its stand-in.
#[cfg(feature = "ssr")]
const MIN_LENGTH: usize = crate::server::auth::password::MIN_LENGTH;
#[cfg(not(feature = "ssr"))]
const MIN_LENGTH: usize = 0;

/// "At least 10 characters." in `locale`, with [`MIN_LENGTH`]. The form's hint is a
/// `&'static str`, so each language's is put together once and kept.
fn password_hint(locale: Locale) -> &'static str {
    static HINTS: LazyLock<[&'static str; 3]> = LazyLock::new(|| {
        language::ALL.map(|locale| {
            let hint = td_display!(locale, auth.password_hint, min = MIN_LENGTH).to_string();
            &*hint.leak()
        })
    });
    language::ALL
        .iter()
        .position(|&each| each == locale)
        .map_or(HINTS[0], |i| HINTS[i])
}

#[component]
pub fn SignupPage() -> impl IntoView {
    let page = use_page_context();
    let action = ServerAction::<SignUp>::new();
    let query = use_query_map();
    let locale = language::current();
    view! {
        <Title text=td_string!(locale, auth.create_title)/>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let ctx = page.await.ok();
                let next = query.with_untracked(|q| q.get("next")).unwrap_or_default();
                if !ctx.as_ref().is_some_and(|c| c.signup_open) {
                    return view! {
                        <section class="card auth">
                            <h1>{td_string!(locale, auth.signup_closed)}</h1>
                            <p class="lede">{td_string!(locale, auth.signup_closed_lede)}</p>
                            <a class="btn" href="/login">{td_string!(locale, auth.sign_in)}</a>
                        </section>
                    }
                    .into_any();
                }
                let error = form_error(action.value(), ctx.and_then(|c| c.form_error), SignUp::PATH);
                view! {
                    <section class="card auth" aria-labelledby="signup-title">
                        <h1 id="signup-title">{td_string!(locale, auth.create_title)}</h1>
                        <p class="lede">{td_string!(locale, auth.create_lede)}</p>
                        <FormAlert error/>
                        <ActionForm action attr:class="stack">
                            <ReturnHere/>
                            <input type="hidden" name="next" value=next/>
                            <Field label=td_string!(locale, auth.email) name="email" kind="email" autocomplete="username" required=true/>
                            <Field
                                label=td_string!(locale, auth.password)
                                name="password"
                                kind="password"
                                autocomplete="new-password"
                                required=true
                                minlength=u32::try_from(MIN_LENGTH).unwrap_or(u32::MAX)
                                hint=password_hint(locale)
                            />
                            <SubmitButton label=td_string!(locale, auth.create_account) busy=td_string!(locale, auth.creating_account) pending=action.pending()/>
                        </ActionForm>
                        <p class="alt">{td_string!(locale, auth.have_account)} <a href="/login">{td_string!(locale, auth.sign_in)}</a></p>
                    </section>
                }
                .into_any()
            })}
        </Transition>
    }
}
