//! Signing up, in and out, and what every page needs to know about the visitor.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::PageContext;

/// The signed-in person (if any), whether sign-up is open, and the pending form error.
#[server(endpoint = "page")]
pub async fn fetch_page_context() -> Result<PageContext, AppError> {
    use crate::model::Account;
    use crate::server::auth::portal;
    use crate::server::auth::portal_session;

    let state = portal::state()?;
    let session = portal::session().await?;
    let account = portal::current_user(&state, &session)
        .await?
        .map(|user| Account { email: user.email });
    let form_error = portal_session::take_form_error(&session).await?;
    Ok(PageContext {
        account,
        signup_open: state.config.signup,
        form_error,
    })
}

#[server(endpoint = "sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use crate::language::{self, td_string};
    use crate::links::return_path::return_path_or_fallback;
    use crate::server::auth::password::{BUSY_RETRY_AFTER, HashError};
    use crate::server::auth::portal;
    use crate::server::auth::portal_session;
    use crate::server::domain::accounts;
    use crate::server::domain::ratelimit::Action;
    use crate::server::domain::security_log::{self, EventDetail};

    let state = portal::state()?;
    let addr = portal::client_addr().await;
    state
        .limits
        .check(Action::SignIn, addr)
        .await
        .map_err(AppError::RateLimited)?;
    let user = accounts::verify(&state.db, &state.passwords, &email, &password)
        .await
        .map_err(|err| match err {
            accounts::SignInError::Database(err) => AppError::from(err),
            accounts::SignInError::Hashing(HashError::Busy) => {
                tracing::warn!(%addr, "sign-in turned away: every hashing thread is busy");
                AppError::Unavailable(BUSY_RETRY_AFTER)
            }
            other => {
                tracing::error!(err = %other, "sign-in failed");
                AppError::Internal
            }
        })?;
    let Some(user) = user else {
        tracing::info!(%addr, "sign-in refused");
        return Err(AppError::invalid(td_string!(
            language::current(),
            auth.wrong_password
        )));
    };
    let session = portal::session().await?;
    portal_session::sign_in(&session, &user.id).await?;
    let by = crate::server::domain::Actor {
        user_id: &user.id,
        addr: Some(addr),
        at: state.now(),
    };
    security_log::record(&state.db, by, &EventDetail::SignedIn).await?;
    tracing::info!(user = %user.id, %addr, "signed in");
    leptos_axum::redirect(&return_path_or_fallback(next.as_deref()));
    Ok(())
}

#[server(endpoint = "sign_up")]
pub async fn sign_up(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use crate::language::{self, td_string};
    use crate::links::return_path::return_path_or_fallback;
    use crate::server::auth::password::{BUSY_RETRY_AFTER, HashError};
    use crate::server::auth::password::{MIN_LENGTH, PasswordRule};
    use crate::server::auth::portal;
    use crate::server::auth::portal_session;
    use crate::server::domain::accounts::{self, SignUpError};
    use crate::server::domain::ratelimit::Action;

    let locale = language::current();
    let state = portal::state()?;
    if !state.config.signup {
        return Err(AppError::invalid(td_string!(locale, auth.signup_off)));
    }
    let addr = portal::client_addr().await;
    state
        .limits
        .check(Action::SignIn, addr)
        .await
        .map_err(AppError::RateLimited)?;
    let user = accounts::create(
        &state.db,
        &state.passwords,
        accounts::NewAccount {
            email: &email,
            password: &password,
            addr: Some(addr),
            at: state.now(),
        },
    )
    .await
    .map_err(|err| match err {
        SignUpError::BadEmail => AppError::invalid(td_string!(locale, auth.bad_email)),
        SignUpError::BadPassword(PasswordRule::TooShort) => AppError::invalid(
            td_string!(locale, auth.password_too_short, min = MIN_LENGTH).to_string(),
        ),
        SignUpError::BadPassword(PasswordRule::TooLong) => {
            AppError::invalid(td_string!(locale, auth.password_too_long))
        }
        SignUpError::Taken => AppError::invalid(td_string!(locale, auth.email_taken)),
        SignUpError::Database(err) => AppError::from(err),
        SignUpError::Hashing(HashError::Busy) => AppError::Unavailable(BUSY_RETRY_AFTER),
        other => {
            tracing::error!(err = %other, "sign-up failed");
            AppError::Internal
        }
    })?;
    let session = portal::session().await?;
    portal_session::sign_in(&session, &user.id).await?;
    leptos_axum::redirect(&return_path_or_fallback(next.as_deref()));
    Ok(())
}

/// Remembers the language picked with the switcher (a year, in the `lang` cookie); the page
/// the form came from comes back in it.
#[server(endpoint = "language")]
pub async fn set_language(lang: String) -> Result<(), AppError> {
    use crate::language::{self, td_string};
    use crate::server::auth::portal;

    let Some(locale) = language::parse(&lang) else {
        return Err(AppError::invalid(td_string!(
            language::current(),
            common.unknown_language
        )));
    };
    let state = portal::state()?;
    let secure = if state.config.public_url.scheme() == "https" {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly{secure}",
        language::COOKIE,
        language::tag(locale)
    );
    let response = expect_context::<leptos_axum::ResponseOptions>();
    response.append_header(
        http::header::SET_COOKIE,
        http::HeaderValue::from_str(&cookie).map_err(|_| AppError::Internal)?,
    );
    Ok(())
}
