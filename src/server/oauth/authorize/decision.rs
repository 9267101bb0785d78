//! `POST /oauth2/authorize/decision`: the person approved or denied on the consent page. The
//! request is checked again as [`check`] does for the page; approval issues an authorization
//! code (RFC 6749 section 4.1.2) bound to the client, redirect URI, PKCE challenge, scopes and
//! resource, and returns it with `state` and `iss` (RFC 9207); denial returns `access_denied`.

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use tower_sessions::Session;

use super::pages;
use super::request::{Refusal, ValidRequest, check, error_redirect, for_visitor, with_params};
use crate::language::{self, Locale, td_string};
use crate::model::AuthorizeParams;
use crate::scopes::Scopes;
use crate::server::app::state::AppState;
use crate::server::auth::portal_session;
use crate::server::db::authorization_codes::{self, AuthorizationCode};
use crate::server::db::ids::UserId;
use crate::server::domain::Actor;
use crate::server::domain::secrets::{hash, new_secret};
use crate::server::domain::security_log::{self, EventDetail};
use crate::server::oauth::error::ErrorCode;

/// Authorization codes are valid for 60 seconds.
pub const CODE_TTL: i64 = 60;

/// The decision the consent form posts.
#[derive(Debug, Deserialize)]
pub struct Decision {
    decision: String,
    confirm_high_risk: Option<String>,
    #[serde(flatten)]
    params: AuthorizeParams,
}

/// What the decision endpoint answers: the browser forwarded to the client, or a page that
/// says why the request stops here.
enum Answer {
    Forward {
        url: String,
        client_name: String,
    },
    Refuse {
        status: StatusCode,
        retry_after: Option<u64>,
        message: String,
    },
}

fn refuse(status: StatusCode, message: &str) -> Answer {
    Answer::Refuse {
        status,
        retry_after: None,
        message: message.to_owned(),
    }
}

/// `POST /oauth2/authorize/decision`. The answer is a page that forwards the browser to the
/// client rather than a redirect, because the portal's CSP (`form-action 'self'`) would stop a
/// redirect after a form post.
pub async fn decide(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Form(decision): Form<Decision>,
) -> Response {
    let locale = language::from_headers(&headers);
    let (Ok(answer) | Err(answer)) = answer_decision(&state, &session, decision, locale).await;
    match answer {
        Answer::Forward { url, client_name } => pages::forward(&state, &url, &client_name, locale),
        Answer::Refuse {
            status,
            retry_after,
            message,
        } => pages::refusal(&state, status, retry_after, &message, locale),
    }
}

/// The steps of a decision, in order; a step that stops it answers with its `Err`.
async fn answer_decision(
    state: &AppState,
    session: &Session,
    decision: Decision,
    locale: Locale,
) -> Result<Answer, Answer> {
    let user_id = signed_in_user(session, locale).await?;
    let valid = match check(state, &decision.params, None, locale).await {
        Ok(valid) => valid,
        Err(refusal) => return Err(refused(state, refusal, &user_id, locale).await),
    };
    if decision.decision != "approve" {
        return Ok(deny(state, &user_id, &valid).await);
    }
    if valid.scopes.iter().any(|s| s.high_risk) && decision.confirm_high_risk.is_none() {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            td_string!(locale, oauth.decision_confirm_high_risk),
        ));
    }
    approve(state, &user_id, &valid, locale).await
}

/// The person deciding: a decision needs a live session.
async fn signed_in_user(session: &Session, locale: Locale) -> Result<String, Answer> {
    match portal_session::user_id(session).await {
        Ok(Some(user)) => Ok(user),
        Ok(None) => Err(refuse(
            StatusCode::UNAUTHORIZED,
            td_string!(locale, oauth.decision_signed_out),
        )),
        Err(err) => {
            tracing::error!(%err, "session store error");
            Err(refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                td_string!(locale, common.error_internal),
            ))
        }
    }
}

/// A request that no longer passes its checks. An error for the client goes back to it only
/// if this person approved it before; otherwise it is shown here ([`for_visitor`]).
async fn refused(state: &AppState, refusal: Refusal, user_id: &str, locale: Locale) -> Answer {
    match for_visitor(state, refusal, Some(&UserId::from(user_id)), locale).await {
        Refusal::Show(shown) => Answer::Refuse {
            status: shown.status,
            retry_after: shown.retry_after,
            message: shown.message,
        },
        Refusal::SendBack { url, .. } => Answer::Forward {
            url,
            client_name: td_string!(locale, oauth.the_application).to_owned(),
        },
        Refusal::Unavailable => refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            td_string!(locale, oauth.busy),
        ),
    }
}

/// Records the denial and sends `access_denied` back to the client.
async fn deny(state: &AppState, user_id: &str, valid: &ValidRequest) -> Answer {
    record(
        state,
        user_id,
        &EventDetail::ApplicationDenied {
            client: valid.client.name.clone(),
        },
    )
    .await;
    let url = error_redirect(
        &valid.redirect_to,
        ErrorCode::AccessDenied,
        "The person denied the request.",
        valid.state.as_deref(),
        &state.config.public_base(),
    );
    Answer::Forward {
        url,
        client_name: valid.client.name.clone(),
    }
}

/// Issues an authorization code, records the approval, and sends the code back to the client.
async fn approve(
    state: &AppState,
    user_id: &str,
    valid: &ValidRequest,
    locale: Locale,
) -> Result<Answer, Answer> {
    let code = new_secret("acac_");
    let row = authorization_code(state.now(), &code, user_id, valid);
    if let Err(err) = authorization_codes::insert(&state.db, &row).await {
        tracing::error!(%err, "could not store an authorization code");
        return Err(refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            td_string!(locale, common.error_internal),
        ));
    }
    record(
        state,
        user_id,
        &EventDetail::ApplicationApproved {
            client: valid.client.name.clone(),
            scopes: row.scopes.to_string(),
        },
    )
    .await;
    tracing::info!(client = %valid.client.id, user = %user_id, "authorization code issued");
    let url = with_params(
        &valid.redirect_to,
        &[
            ("code", Some(&code)),
            ("state", valid.state.as_deref()),
            ("iss", Some(&state.config.public_base())),
        ],
    );
    Ok(Answer::Forward {
        url,
        client_name: valid.client.name.clone(),
    })
}

/// The stored form of `code`: its hash and everything the token request must match.
fn authorization_code(
    now: i64,
    code: &str,
    user_id: &str,
    valid: &ValidRequest,
) -> AuthorizationCode {
    AuthorizationCode {
        code_hash: hash(code),
        client_id: valid.client.id.clone(),
        user_id: user_id.to_owned(),
        redirect_uri: valid.redirect_uri.clone(),
        code_challenge: valid.code_challenge.clone(),
        scopes: Scopes::from(
            valid
                .scopes
                .iter()
                .map(|s| s.name.clone())
                .collect::<Vec<_>>(),
        ),
        created_at: now,
        expires_at: now + CODE_TTL,
        used_at: None,
        grant_id: None,
        resource: valid.resource.clone(),
    }
}

async fn record(state: &AppState, user_id: &str, detail: &EventDetail) {
    let user_id = UserId::from(user_id);
    let by = Actor {
        user_id: &user_id,
        addr: None,
        at: state.now(),
    };
    if let Err(err) = security_log::record(&state.db, by, detail).await {
        tracing::warn!(%err, "could not record a security event");
    }
}
