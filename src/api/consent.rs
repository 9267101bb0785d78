//! The consent page of the authorization code flow (`/oauth2/authorize`).

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::ConsentView;

/// Checks the authorization request in `query` and says what the page should do with it.
/// A signed-out visitor gets [`AppError::SignedOut`] and goes to sign in first.
#[server(endpoint = "consent")]
pub async fn fetch_consent(query: String) -> Result<ConsentView, AppError> {
    use crate::language::{self, td_string};
    use crate::server::auth::portal;
    use crate::server::oauth::authorize::request::{Refusal, check, parse_query};

    let locale = language::current();
    let state = portal::state()?;
    let Some(params) = parse_query(&query) else {
        return Ok(ConsentView::Refused {
            message: td_string!(locale, oauth.repeated_parameter).to_owned(),
        });
    };
    // The client and its redirect URI are checked before anything else, signed in or not.
    let addr = portal::client_addr().await;
    Ok(match check(&state, &params, Some(addr), locale).await {
        Ok(valid) => {
            portal::signed_in().await?;
            ConsentView::Ask {
                client: valid.client.summary(),
                redirect_host: valid
                    .redirect_to
                    .host_str()
                    .map(str::to_owned)
                    .unwrap_or_default(),
                scopes: valid.scopes,
                params: Box::new(params),
            }
        }
        Err(Refusal::Show(message)) => ConsentView::Refused { message },
        // Only a signed-in person is sent back to the application; anyone else reads the
        // error here, so nobody can use this page to bounce visitors to a registered URI.
        Err(Refusal::SendBack { url, description }) => match portal::signed_in().await {
            Ok(_) => ConsentView::SendBack { url },
            Err(AppError::SignedOut) => ConsentView::Refused {
                message: td_string!(locale, oauth.request_not_valid, description).to_string(),
            },
            Err(err) => return Err(err),
        },
        Err(Refusal::Unavailable) => return Err(crate::server::auth::portal::unavailable()),
    })
}
