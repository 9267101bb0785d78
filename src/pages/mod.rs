//! One module per page.

pub mod agent;
pub mod connect;
pub mod consent;
pub mod device;
pub mod login;
pub mod not_found;
pub mod security;
pub mod signup;

use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::AppError;
use crate::language::td_string;
use crate::links::{encode_query_value, with_query};
use crate::model::FormError;
use crate::page_context::use_page_context;

/// The loading skeleton every page with data shares: "Loading…" while the data is on its way;
/// the sign-in page (and back here afterwards) or the error in words when it could not be
/// loaded; otherwise `render` with the data and the form error the session carried back (a form
/// posted without JavaScript that was refused).
#[component]
pub fn PageData<T, R>(data: Resource<Result<T, AppError>>, render: R) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    R: Fn(T, Option<FormError>) -> AnyView + Clone + Send + Sync + 'static,
{
    let page = use_page_context();
    let location = use_location();
    let locale = crate::language::current();
    view! {
        <Transition fallback=move || view! { <p class="loading">{td_string!(locale, common.loading)}</p> }>
            {move || {
                let render = render.clone();
                Suspend::new(async move {
                    let pending = page.await.ok().and_then(|ctx| ctx.form_error);
                    match data.await {
                        Ok(data) => render(data, pending),
                        Err(err) => {
                            let here = with_query(&location.pathname.get_untracked(), &location.search.get_untracked());
                            load_failed(err, here)
                        }
                    }
                })
            }}
        </Transition>
    }
}

/// What a signed-in page shows when its data could not be loaded: the sign-in page (and back
/// here afterwards) for a signed-out visitor, otherwise the error in words.
fn load_failed(err: AppError, back_to: String) -> AnyView {
    match err {
        AppError::SignedOut => {
            view! { <Redirect path=format!("/login?next={}", encode_query_value(&back_to))/> }
                .into_any()
        }
        err => {
            let locale = crate::language::current();
            view! {
            <section class="card">
                <div class="alert" role="alert">
                                        <p>{err.message(locale)}</p>
                </div>
                <a class="btn" href=back_to>{crate::language::td_string!(locale, common.try_again)}</a>
            </section>
            }
            .into_any()
        }
    }
}
