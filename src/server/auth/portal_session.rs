//! What the portal keeps in the server-side session (tower-sessions, stored in the database),
//! under namespaced keys, behind typed accessors.

use serde::{Deserialize, Serialize};
use tower_sessions::{Expiry, Session};

use crate::model::{FormError, IssuedCode};

/// Name of the portal's session cookie.
pub const SESSION_COOKIE: &str = "agent_connect_session";

const USER_ID: &str = "auth.user_id";
const ISSUED_CODE: &str = "connect.issued_code";
const LAST_REQUEST: &str = "connect.last_request";
const FORM_ERROR: &str = "flash.form_error";

/// The code shown on /connect, with what is needed to look up its status.
#[derive(Clone, Serialize, Deserialize)]
pub struct StoredCode {
    pub code_hash: String,
    pub shown: IssuedCode,
}

/// What the person last asked for on /connect, to pre-fill the form.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LastRequest {
    pub scopes: Vec<String>,
    pub agent_name: String,
    /// The lifetimes' form values (see [`crate::lifetime`]); empty for the defaults.
    #[serde(default)]
    pub lifetime: String,
    #[serde(default)]
    pub high_risk_lifetime: String,
    /// Asked to pause the agent if it is used from a new network.
    #[serde(default)]
    pub guard_network: bool,
}

pub type Result<T> = std::result::Result<T, tower_sessions::session::Error>;

pub async fn user_id(session: &Session) -> Result<Option<String>> {
    session.get(USER_ID).await
}

/// Signs a user in under a fresh session id (no session fixation).
pub async fn sign_in(session: &Session, user_id: &str) -> Result<()> {
    session.cycle_id().await?;
    session.set_expiry(Some(Expiry::OnInactivity(SIGNED_IN_IDLE)));
    session.insert(USER_ID, user_id).await
}

/// Ends the session on the server and drops its cookie.
pub async fn sign_out(session: &Session) -> Result<()> {
    session.flush().await
}

pub async fn issued_code(session: &Session) -> Result<Option<StoredCode>> {
    session.get(ISSUED_CODE).await
}

pub async fn set_issued_code(session: &Session, code: &StoredCode) -> Result<()> {
    session.insert(ISSUED_CODE, code).await
}

/// Keeps the issued code's record, for its status, without the plain code: once a code has
/// expired or been redeemed, the session holds nothing that could be shown or stolen.
pub async fn forget_plain_code(session: &Session, stored: &StoredCode) -> Result<()> {
    if stored.shown.code.is_empty() {
        return Ok(());
    }
    let mut kept = stored.clone();
    kept.shown.code.clear();
    session.insert(ISSUED_CODE, &kept).await
}

pub async fn clear_issued_code(session: &Session) -> Result<()> {
    session.remove::<StoredCode>(ISSUED_CODE).await.map(|_| ())
}

pub async fn last_request(session: &Session) -> Result<LastRequest> {
    Ok(session.get(LAST_REQUEST).await?.unwrap_or_default())
}

pub async fn set_last_request(session: &Session, request: &LastRequest) -> Result<()> {
    session.insert(LAST_REQUEST, request).await
}

/// How long a signed-in session lives without use.
pub const SIGNED_IN_IDLE: time::Duration = time::Duration::days(7);
/// How long a session made only to carry a form's error to a visitor lives without use.
pub const ANONYMOUS_IDLE: time::Duration = time::Duration::hours(1);

/// Whether the visitor has no session yet, so storing anything would create one.
pub fn is_new(session: &Session) -> bool {
    session.id().is_none()
}

/// Gives a session made for a visitor who is not signed in the short lifetime.
pub fn make_anonymous(session: &Session) {
    session.set_expiry(Some(Expiry::OnInactivity(ANONYMOUS_IDLE)));
}

pub async fn set_form_error(session: &Session, error: &FormError) -> Result<()> {
    session.insert(FORM_ERROR, error).await
}

/// The pending form error, removed as it is read.
pub async fn take_form_error(session: &Session) -> Result<Option<FormError>> {
    session.remove(FORM_ERROR).await
}
