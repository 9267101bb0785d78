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

use crate::error::AppError;
use crate::links::encode_query_value;

/// What a signed-in page shows when its data could not be loaded: the sign-in page (and back
/// here afterwards) for a signed-out visitor, otherwise the error in words.
pub fn load_failed(err: AppError, back_to: String) -> AnyView {
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
