//! Bearer tokens at the MCP resource (RFC 6750 sections 2.1 and 3): the check in front of `/mcp`
//! that validates the token on every request and hands the tools a [`Principal`], the 401
//! challenge that points at the resource's metadata, and that metadata (RFC 9728 sections 2-3).

use std::net::IpAddr;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rmcp::RoleServer;
use rmcp::service::RequestContext;
use serde::Serialize;

use crate::scopes::Scope;
use crate::server::app::state::AppState;
use crate::server::db::grants::GrantState;
use crate::server::db::mcp_sessions::{self, SessionAuth};
use crate::server::db::tokens::TokenKind;
use crate::server::domain::grant::{self, Standing};
use crate::server::domain::secrets::hash;
use crate::server::oauth::error::OAuthError;
use crate::server::web::ClientAddr;

/// Where the resource's RFC 9728 metadata lives.
pub const METADATA_PATH: &str = "/.well-known/oauth-protected-resource/mcp";

/// Who is calling: the live access token's grant, as the tools see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub grant_id: String,
    pub user_id: String,
    pub email: String,
    pub client_id: String,
    pub agent_name: String,
    pub scopes: Vec<String>,
    /// Unix seconds at which the access token (in an authorized `/mcp/agent` session: the
    /// grant) stops working.
    pub expires_at: i64,
    /// The person paused the grant: every tool refuses until they resume it.
    pub paused: bool,
    /// High-risk scopes granted for a time that has ended (not in `scopes`): the person can
    /// renew them on the security page.
    pub lapsed: Vec<String>,
    /// High-risk scopes waiting for the person's approval on the page that issued the code
    /// (not in `scopes`).
    pub pending: Vec<String>,
}

impl Principal {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|granted| granted == scope)
    }

    /// The principal the bearer check attached to the HTTP request behind an MCP request.
    pub fn of_request(context: &RequestContext<RoleServer>) -> Option<Arc<Self>> {
        context
            .extensions
            .get::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<Arc<Principal>>())
            .cloned()
    }
}

/// The caller's address, as the HTTP request behind an MCP request carried it.
pub fn client_addr(context: &RequestContext<RoleServer>) -> Option<IpAddr> {
    context
        .extensions
        .get::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<ClientAddr>())
        .map(|ClientAddr(addr)| *addr)
}

impl Principal {
    /// The principal of a grant in `standing`, for a caller who knows the person's `email`;
    /// `expires_at` is when its credential (access token, or the grant of a session) stops
    /// working. `None` for a grant that is over.
    fn of_grant(
        grant: GrantState,
        email: String,
        standing: Standing,
        expires_at: i64,
    ) -> Option<Self> {
        let paused = !standing.may_act();
        let in_force = standing.into_in_force()?;
        Some(Self {
            scopes: in_force.scopes.into_vec(),
            grant_id: grant.id.into(),
            user_id: grant.user_id.into(),
            email,
            client_id: grant.client_id.into(),
            agent_name: grant.agent_name,
            expires_at,
            paused,
            lapsed: in_force.lapsed,
            pending: in_force.pending,
        })
    }
}

/// Where an `/mcp/agent` session stands.
pub enum SessionStanding {
    /// It has not authenticated.
    Unauthenticated,
    /// It acts for this principal.
    Authorized(Arc<Principal>),
    /// Its grant was revoked or expired.
    Ended,
}

/// Turns access tokens into principals, and records grant use without a write per request.
#[derive(Clone)]
pub struct TokenValidator {
    state: AppState,
    /// The scopes for basic access, named in the 401 challenge: every catalogue scope that is
    /// not high-risk, space-separated.
    basic_scopes: Arc<str>,
    /// The resource indicator of `/mcp` (RFC 8707): a token bound to another is refused here.
    resource: Arc<str>,
}

impl TokenValidator {
    pub fn new(state: AppState) -> Self {
        let basic_scopes = basic_scopes(&state.catalogue).into();
        let resource = format!("{}/mcp", state.config.public_base()).into();
        Self {
            state,
            basic_scopes,
            resource,
        }
    }

    /// The principal of a live access token, by the token's hash. Refresh tokens, and tokens
    /// that expired or whose grant is over, give `None`. `addr` is the caller's.
    pub async fn principal(
        &self,
        token_hash: &str,
        addr: Option<IpAddr>,
    ) -> Result<Option<Principal>, sqlx::Error> {
        let now = self.state.now();
        let Some(token) = self
            .state
            .live_tokens
            .find(&self.state.db, token_hash, now)
            .await?
        else {
            return Ok(None);
        };
        if token.kind != TokenKind::Access {
            return Ok(None);
        }
        // RFC 8707: a token minted for another resource is not valid here.
        if !self.meant_for_here(token.grant.resource.as_deref()) {
            return Ok(None);
        }
        let standing = self.standing(&token.grant, addr, now).await?;
        Ok(Principal::of_grant(
            token.grant,
            token.email,
            standing,
            token.expires_at,
        ))
    }

    /// Where an `/mcp/agent` session stands, as any instance sees it: the principal of the
    /// grant `authenticate` bound it to while that grant lives.
    pub async fn session(
        &self,
        session_id: &str,
        addr: Option<IpAddr>,
    ) -> Result<SessionStanding, sqlx::Error> {
        let now = self.state.now();
        let live = match mcp_sessions::auth(
            &self.state.db,
            &mcp_sessions::SessionKey::of(session_id),
            now,
        )
        .await?
        {
            SessionAuth::None => return Ok(SessionStanding::Unauthenticated),
            SessionAuth::Ended => return Ok(SessionStanding::Ended),
            SessionAuth::Live(live) => *live,
        };
        if !self.meant_for_here(live.grant.resource.as_deref()) {
            return Ok(SessionStanding::Ended);
        }
        let standing = self.standing(&live.grant, addr, now).await?;
        let expires_at = live.grant.expires_at;
        Ok(
            match Principal::of_grant(live.grant, live.email, standing, expires_at) {
                Some(principal) => SessionStanding::Authorized(Arc::new(principal)),
                None => SessionStanding::Ended,
            },
        )
    }

    /// Where the grant stands for a call from `addr` (see [`grant::standing`]): its use is
    /// recorded, and a grant used from outside its home network is paused now, with the person
    /// told.
    async fn standing(
        &self,
        grant: &GrantState,
        addr: Option<IpAddr>,
        now: i64,
    ) -> Result<Standing, sqlx::Error> {
        let standing = grant::standing(&self.state.catalogue, grant, addr, now);
        if matches!(standing, Standing::Over(_)) {
            return Ok(standing);
        }
        self.record_use(&grant.id, addr, now).await;
        if let (Standing::MovedNetwork(_), Some(addr)) = (&standing, addr) {
            grant::pause_on_new_network(
                &self.state.db,
                &self.state.live_tokens,
                &grant.id,
                addr,
                now,
            )
            .await?;
        }
        Ok(standing)
    }

    /// RFC 8707: whether a grant made for `resource` may be used at `/mcp`.
    fn meant_for_here(&self, resource: Option<&str>) -> bool {
        resource.is_none_or(|resource| resource == &*self.resource)
    }

    /// Records that the grant was used now, at most once a minute per grant and instance.
    pub async fn record_use(&self, grant_id: &str, addr: Option<IpAddr>, now: i64) {
        self.state
            .live_tokens
            .record_use(&self.state.db, grant_id, addr, now)
            .await;
    }
}

/// Admits a request to `/mcp` only with a live access token in the `Authorization` header, and
/// puts its [`Principal`] in the request's extensions (shared: the MCP transport copies them
/// several times per call); otherwise answers the 401 challenge. A revoked grant is refused on
/// the very next request (see [`crate::server::domain::token_cache`]).
pub async fn admit(validator: &TokenValidator, mut req: Request) -> Result<Request, Response> {
    let Some(token_hash) = bearer_token(req.headers()).map(hash) else {
        let base = validator.state.config.public_base();
        return Err(challenge(&base, &validator.basic_scopes, false));
    };
    let addr = req.extensions().get::<ClientAddr>().map(|ClientAddr(a)| *a);
    match validator.principal(&token_hash, addr).await {
        Ok(Some(principal)) => {
            req.extensions_mut().insert(Arc::new(principal));
            Ok(req)
        }
        Ok(None) => {
            tracing::info!(token = %&token_hash[..8], "MCP request with a dead or unknown token refused");
            let base = validator.state.config.public_base();
            Err(challenge(&base, &validator.basic_scopes, true))
        }
        Err(err) => Err(OAuthError::from(err).into_response()),
    }
}

/// The token of an `Authorization: Bearer` header (RFC 6750 section 2.1). Any other scheme, or
/// a token in the query string, is no token at all.
fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

#[derive(Serialize)]
struct ChallengeBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    error_description: String,
}

/// The scopes a client should ask for to use the resource at all (MCP authorization,
/// 2025-11-25, "Scope Selection Strategy"): the catalogue's scopes that are not high-risk, so a
/// client that follows the challenge asks for least privilege.
fn basic_scopes(catalogue: &[Scope]) -> String {
    catalogue
        .iter()
        .filter(|scope| !scope.high_risk)
        .map(|scope| scope.name.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The 401 of RFC 6750 section 3, with the RFC 9728 section 5.1 pointer to the metadata and
/// the scopes for basic access (section 3, `scope`). `error="invalid_token"` only when a token
/// was sent (section 3.1).
fn challenge(base: &str, basic_scopes: &str, token_sent: bool) -> Response {
    let mut value = format!("Bearer resource_metadata=\"{base}{METADATA_PATH}\"");
    if !basic_scopes.is_empty() {
        value.push_str(&format!(", scope=\"{basic_scopes}\""));
    }
    let body = if token_sent {
        value.push_str(", error=\"invalid_token\"");
        ChallengeBody {
            error: Some("invalid_token"),
            error_description: format!(
                "The access token is invalid, expired or revoked. Ask the person for a new agent auth code at {base}/connect."
            ),
        }
    } else {
        ChallengeBody {
            error: None,
            error_description: format!(
                "This resource needs an access token in the header \"Authorization: Bearer <token>\". \
                 An agent gets one by redeeming an agent auth code from {base}/connect."
            ),
        }
    };
    let mut res = (StatusCode::UNAUTHORIZED, Json(body)).into_response();
    let headers = res.headers_mut();
    headers.insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("Bearer")),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The protected resource metadata of RFC 9728 section 2.
#[derive(Debug, Serialize)]
pub struct ResourceMetadata {
    pub resource: String,
    pub authorization_servers: Vec<String>,
    pub scopes_supported: Vec<String>,
    pub bearer_methods_supported: Vec<&'static str>,
    pub resource_name: &'static str,
}

/// `GET /.well-known/oauth-protected-resource/mcp` (RFC 9728 section 3).
pub async fn resource_metadata(State(state): State<AppState>) -> Json<ResourceMetadata> {
    let base = state.config.public_base();
    Json(ResourceMetadata {
        resource: format!("{base}/mcp"),
        authorization_servers: vec![base],
        scopes_supported: state.catalogue.iter().map(|s| s.name.clone()).collect(),
        bearer_methods_supported: vec!["header"],
        resource_name: "Agent Connect",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn authorization(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn only_a_bearer_header_carries_a_token() {
        assert_eq!(
            bearer_token(&authorization("Bearer acat_x")),
            Some("acat_x")
        );
        assert_eq!(
            bearer_token(&authorization("bearer  acat_x ")),
            Some("acat_x")
        );
        assert_eq!(bearer_token(&authorization("Bearer")), Some(""));
        assert_eq!(bearer_token(&authorization("Basic YTpi")), None);
        assert_eq!(bearer_token(&HeaderMap::new()), None);
    }

    #[test]
    fn the_challenge_points_at_the_metadata_and_names_the_basic_scopes() {
        let res = challenge("https://ac.example", "quote trade.read", false);
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            res.headers()[header::WWW_AUTHENTICATE],
            "Bearer resource_metadata=\"https://ac.example/.well-known/oauth-protected-resource/mcp\", scope=\"quote trade.read\""
        );
        let res = challenge("https://ac.example", "", true);
        assert_eq!(
            res.headers()[header::WWW_AUTHENTICATE],
            "Bearer resource_metadata=\"https://ac.example/.well-known/oauth-protected-resource/mcp\", error=\"invalid_token\""
        );
    }

    #[test]
    fn basic_access_is_every_scope_that_is_not_high_risk() {
        assert_eq!(
            basic_scopes(&crate::scopes::default_catalogue()),
            "quote account.read trade.read"
        );
    }
}
