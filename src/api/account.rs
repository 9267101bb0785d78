//! Signing up, in and out, and what every page needs to know about the visitor.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::PageContext;

/// The signed-in person (if any), whether sign-up is open, and the pending form error.
#[server(endpoint = "page")]
pub async fn fetch_page_context() -> Result<PageContext, AppError> {
    use crate::model::{Account, FormError};
    use crate::server::{auth::session, portal};

    let state = portal::state()?;
    let session = portal::session().await?;
    let account = portal::current_user(&state, &session)
        .await?
        .map(|user| Account { email: user.email });
    let form_error = session::take_form_error(&session)
        .await?
        .map(|e| FormError {
            action: e.action,
            message: e.message,
        });
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
    use crate::links::return_path::return_path_or_fallback;
    use crate::server::auth::password::{BUSY_RETRY_AFTER, HashError};
    use crate::server::db::events::{self, EventKind};
    use crate::server::ratelimit::Action;
    use crate::server::{accounts, auth::session, portal};

    let state = portal::state()?;
    let addr = portal::client_addr().await;
    state
        .limits
        .check(Action::SignIn, addr)
        .await
        .map_err(AppError::RateLimited)?;
    let user = accounts::verify(&state, &email, &password)
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
        return Err(AppError::invalid(
            "That email and password don't match an account. Check both and try again.",
        ));
    };
    let session = portal::session().await?;
    session::sign_in(&session, &user.id).await?;
    events::record(
        &state.db,
        &user.id,
        EventKind::SignedIn,
        "Signed in to the portal",
        Some(&addr.to_string()),
        state.now(),
    )
    .await?;
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
    use crate::links::return_path::return_path_or_fallback;
    use crate::server::accounts::{self, SignUpError};
    use crate::server::auth::password::{BUSY_RETRY_AFTER, HashError};
    use crate::server::ratelimit::Action;
    use crate::server::{auth::session, portal};

    let state = portal::state()?;
    if !state.config.signup {
        return Err(AppError::invalid(
            "Sign-up is turned off on this server. Ask its operator for an account.",
        ));
    }
    let addr = portal::client_addr().await;
    state
        .limits
        .check(Action::SignIn, addr)
        .await
        .map_err(AppError::RateLimited)?;
    let user = accounts::create(&state, &email, &password, Some(&addr.to_string()))
        .await
        .map_err(|err| match err {
            SignUpError::Invalid(message) => AppError::Invalid(message),
            SignUpError::Taken => AppError::invalid(SignUpError::Taken.to_string()),
            SignUpError::Database(err) => AppError::from(err),
            SignUpError::Hashing(HashError::Busy) => AppError::Unavailable(BUSY_RETRY_AFTER),
            other => {
                tracing::error!(err = %other, "sign-up failed");
                AppError::Internal
            }
        })?;
    let session = portal::session().await?;
    session::sign_in(&session, &user.id).await?;
    leptos_axum::redirect(&return_path_or_fallback(next.as_deref()));
    Ok(())
}
