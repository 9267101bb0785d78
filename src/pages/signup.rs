//! `/signup`: creating an account signs you in.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::account::SignUp;
use crate::components::form::{Field, FormAlert, ReturnHere, SubmitButton, form_error};
use crate::language::{self, td_string};
use crate::page_context::use_page_context;

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
                                minlength=10
                                hint=td_string!(locale, auth.password_hint)
                            />
                            <SubmitButton label=td_string!(locale, auth.create_account) busy=td_string!(locale, auth.creating_account) pending=action.pending()/>
                        </ActionForm>
                        <p class="alt">{td_string!(locale, auth.have_account)} " " <a href="/login">{td_string!(locale, auth.sign_in)}</a></p>
                    </section>
                }
                .into_any()
            })}
        </Transition>
    }
}
