//! `/login`: email and password; lands on `/connect` or on the page that sent the visitor here.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

use crate::api::account::SignIn;
use crate::components::form::{Field, FormAlert, ReturnHere, SubmitButton, form_error};
use crate::language::{self, td_string};
use crate::links::return_path::return_path_or_fallback;
use crate::page_context::use_page_context;

#[component]
pub fn LoginPage() -> impl IntoView {
    let page = use_page_context();
    let action = ServerAction::<SignIn>::new();
    let query = use_query_map();
    let locale = language::current();
    view! {
        <Title text=td_string!(locale, auth.sign_in)/>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let ctx = page.await.ok();
                let next = query.with_untracked(|q| q.get("next")).unwrap_or_default();
                if ctx.as_ref().is_some_and(|c| c.account.is_some()) && action.value().get_untracked().is_none() {
                    return view! { <Redirect path=return_path_or_fallback(Some(&next))/> }.into_any();
                }
                let signup_open = ctx.as_ref().is_some_and(|c| c.signup_open);
                let error = form_error(action.value(), ctx.and_then(|c| c.form_error), SignIn::PATH);
                view! {
                    <section class="card auth" aria-labelledby="login-title">
                        <h1 id="login-title">{td_string!(locale, auth.sign_in)}</h1>
                        <p class="lede">{td_string!(locale, auth.sign_in_lede)}</p>
                        <FormAlert error/>
                        <ActionForm action attr:class="stack">
                            <ReturnHere/>
                            <input type="hidden" name="next" value=next/>
                            <Field label=td_string!(locale, auth.email) name="email" kind="email" autocomplete="username" required=true/>
                            <Field label=td_string!(locale, auth.password) name="password" kind="password" autocomplete="current-password" required=true/>
                            <SubmitButton label=td_string!(locale, auth.sign_in) busy=td_string!(locale, auth.signing_in) pending=action.pending()/>
                        </ActionForm>
                        {signup_open.then(|| view! {
                            <p class="alt">{td_string!(locale, auth.new_here)}{td_string!(locale, common.sentence_gap)}<a href="/signup">{td_string!(locale, auth.create_an_account)}</a></p>
                        })}
                    </section>
                }
                .into_any()
            })}
        </Transition>
    }
}
