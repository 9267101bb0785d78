//! `/signup`: creating an account signs you in.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::account::SignUp;
use crate::components::form::{Field, FormAlert, ReturnHere, SubmitButton, form_error};
use crate::page_context::use_page_context;

#[component]
pub fn SignupPage() -> impl IntoView {
    let page = use_page_context();
    let action = ServerAction::<SignUp>::new();
    let query = use_query_map();
    view! {
        <Title text="Create your account"/>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let ctx = page.await.ok();
                let next = query.with_untracked(|q| q.get("next")).unwrap_or_default();
                if !ctx.as_ref().is_some_and(|c| c.signup_open) {
                    return view! {
                        <section class="card auth">
                            <h1>"Sign-up is closed"</h1>
                            <p class="lede">"This server does not take new accounts. Ask its operator to create one for you."</p>
                            <a class="btn" href="/login">"Sign in"</a>
                        </section>
                    }
                    .into_any();
                }
                let error = form_error(action.value(), ctx.and_then(|c| c.form_error), SignUp::PATH);
                view! {
                    <section class="card auth" aria-labelledby="signup-title">
                        <h1 id="signup-title">"Create your account"</h1>
                        <p class="lede">"One account for all your agents. You choose what each one may do, and can take it back at any time."</p>
                        <FormAlert error/>
                        <ActionForm action attr:class="stack">
                            <ReturnHere/>
                            <input type="hidden" name="next" value=next/>
                            <Field label="Email" name="email" kind="email" autocomplete="username" required=true/>
                            <Field
                                label="Password"
                                name="password"
                                kind="password"
                                autocomplete="new-password"
                                required=true
                                minlength=10
                                hint="At least 10 characters."
                            />
                            <SubmitButton label="Create account" busy="Creating account…" pending=action.pending()/>
                        </ActionForm>
                        <p class="alt">"Already have an account? " <a href="/login">"Sign in"</a></p>
                    </section>
                }
                .into_any()
            })}
        </Transition>
    }
}
