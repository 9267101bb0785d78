//! The consent page of the authorization code flow (`/oauth2/authorize`).

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::ConsentView;

/// Checks the authorization request in `query` and says what the page should do with it.
/// A signed-out visitor gets [`AppError::SignedOut`] and goes to sign in first. A refusal is
/// answered with the status it means (400, 429 or 503 with `Retry-After`), and an error goes
/// back to the application only for a person who approved it before.
#[server(endpoint = "consent")]
pub async fn fetch_consent(query: String) -> Result<ConsentView, AppError> {
    use crate::language::{self, td_string};
    use crate::server::auth::portal;
    use crate::server::domain::security_log::application_name;
    use crate::server::oauth::authorize::request::{
        Refusal, Shown, check, for_visitor, parse_query,
    };

    /// The refusal page, with the status (and `Retry-After`) the refusal means.
    fn refused(shown: Shown) -> ConsentView {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(shown.status);
            if let Some(seconds) = shown.retry_after {
                response.insert_header(
                    axum::http::header::RETRY_AFTER,
                    axum::http::HeaderValue::from(seconds),
                );
            }
        }
        ConsentView::Refused {
            message: shown.message,
        }
    }

    let locale = language::current();
    let state = portal::state()?;
    let Some(params) = parse_query(&query) else {
        return Ok(refused(Shown::bad_request(td_string!(
            locale,
            oauth.repeated_parameter
        ))));
    };
    // The client and its redirect URI are checked before anything else, signed in or not.
    let addr = portal::client_addr().await;
    let refusal = match check(&state, &params, Some(addr), locale).await {
        Ok(valid) => {
            portal::signed_in().await?;
            let mut client = valid.client.summary();
            client.name = application_name(&client.name, locale);
            return Ok(ConsentView::Ask {
                client,
                redirect_host: valid
                    .redirect_to
                    .host_str()
                    .map(str::to_owned)
                    .unwrap_or_default(),
                scopes: valid.scopes,
                params: Box::new(params),
            });
        }
        Err(refusal) => refusal,
    };
    // An error for the application goes back to it only for a person who approved it before;
    // anyone else reads it here, so nobody can use this page to bounce visitors to whatever
    // URI they registered (RFC 9700 section 4.11.2).
    let user_id = match &refusal {
        Refusal::SendBack { .. } => match portal::signed_in().await {
            Ok(me) => Some(me.user.id),
            Err(AppError::SignedOut) => None,
            Err(err) => return Err(err),
        },
        _ => None,
    };
    match for_visitor(&state, refusal, user_id.as_ref(), locale).await {
        Refusal::Show(shown) => Ok(refused(shown)),
        Refusal::SendBack { url, .. } => Ok(ConsentView::SendBack { url }),
        Refusal::Unavailable => Err(portal::unavailable()),
    }
}
