//! `/mcp/agent`: an MCP server without authentication where an agent redeems an agent auth code
//! with the tool `authenticate`, by the same atomic step and rate limit as the token endpoint's
//! extension grant (RFC 6749 section 4.5). The result hands over the token and how to use it at
//! `/mcp`; in the same MCP session the resource's tools appear at once (`tools/list_changed`).

use std::net::{IpAddr, Ipv4Addr};

use rmcp::handler::server::tool::{parse_json_object, schema_for_type};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ListToolsResult,
    PaginatedRequestParams, ServerConfig, Tool, ToolAnnotations,
};
use rmcp::service::RequestContext;
use std::sync::Arc;

use rmcp::transport::streamable_http_server::StreamableHttpService;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use schemars::JsonSchema;
use serde::Deserialize;

use super::auth::{SessionStanding, TokenValidator};
use super::legacy_session_store::SharedSessions;
use super::legacy_sessions::SESSION_HEADER;
use super::protocol::{failure, private_list, server_config, success, transport_config};
use super::resource::ResourceTools;
use crate::server::app::state::AppState;
use crate::server::db::mcp_sessions;
use crate::server::domain::agent_code::format::AgentCode;
use crate::server::domain::secrets::log_id;
use crate::server::oauth::error::{ErrorCode, OAuthError};
use crate::server::oauth::grant_types::agent_code;
use crate::server::oauth::grant_types::request::TokenRequest;
use crate::server::oauth::issue::TokenResponse;
use crate::server::web::ClientAddr;

/// The one tool of an unauthorized session.
pub const AUTHENTICATE: &str = "authenticate";

#[derive(Deserialize, JsonSchema)]
struct AuthenticateArgs {
    /// The one-time agent auth code the person generated, e.g. K7QM-4XHD-92TB-VN3R-P.
    code: String,
}

impl std::fmt::Debug for AuthenticateArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthenticateArgs")
            .field("code", &"<redacted>")
            .finish()
    }
}

/// The MCP server of one `/mcp/agent` session. The service makes one per session on each
/// instance that serves it; what the session may do lives in the database, keyed by its
/// session id, so every instance sees the same authorization.
pub struct AgentServer {
    state: AppState,
    validator: TokenValidator,
    tools: ResourceTools,
}

/// The `Mcp-Session-Id` of the HTTP request behind an MCP request of a revision that has
/// sessions. A request of the stateless lifecycle (2026-07-28) has none, whatever headers it
/// carries: its handle, if any, is never read as authorization.
fn session_id(context: &RequestContext<RoleServer>) -> Option<&str> {
    if stateless(context) {
        return None;
    }
    context
        .extensions
        .get::<http::request::Parts>()
        .and_then(|p| p.headers.get(SESSION_HEADER))
        .and_then(|v| v.to_str().ok())
}

/// Whether the request uses the stateless lifecycle of MCP 2026-07-28 (SEP-2567): a revision
/// without `initialize`, named in the request's own `_meta`.
fn stateless(context: &RequestContext<RoleServer>) -> bool {
    context
        .protocol_version()
        .is_some_and(|version| !version.has_initialize())
}

impl AgentServer {
    fn new(state: AppState, validator: TokenValidator, tools: ResourceTools) -> Self {
        Self {
            state,
            validator,
            tools,
        }
    }

    fn public_base(&self) -> String {
        self.state.config.public_base()
    }

    /// Where this session stands: authorized while the grant `authenticate` bound it to lives.
    async fn standing(
        &self,
        context: &RequestContext<RoleServer>,
    ) -> Result<SessionStanding, ErrorData> {
        let Some(id) = session_id(context) else {
            return Ok(SessionStanding::Unauthenticated);
        };
        let addr = super::auth::client_addr(context);
        self.validator.session(id, addr).await.map_err(|err| {
            tracing::error!(%err, "could not check an MCP session's authorization");
            ErrorData::internal_error(
                "The server is busy and could not check this session's authorization. Try again \
                 in a moment.",
                None,
            )
        })
    }

    fn authenticate_tool(&self) -> Tool {
        let mut tool = Tool::new(
            AUTHENTICATE,
            format!(
                "Sign this agent in to Agent Connect with a one-time agent auth code. The person \
                 generates the code at {}/connect, choosing what the agent may do; it looks like \
                 K7QM-4XHD-92TB-VN3R-P, is valid for 5 minutes and works once. In an MCP session \
                 this redeems it: the session gains the tools the code allows, and the result \
                 explains the access token. Without a session (protocol revision 2026-07-28) the \
                 result gives the commands that redeem it with the agent-connect client instead. \
                 A new code replaces the earlier permissions.",
                self.public_base()
            ),
            schema_for_type::<AuthenticateArgs>(),
        );
        tool.annotations = Some(ToolAnnotations::from_raw(
            Some("Redeem an agent auth code".into()),
            Some(false),
            Some(false),
            Some(false),
            Some(false),
        ));
        tool
    }

    /// `authenticate` in the stateless lifecycle (2026-07-28): there is no session for a tool
    /// call to authorize, the tool set may vary only by the authorization the request presents,
    /// and a token handed to the model would be a secret in its context. So the code is left
    /// unused, and the answer is the two commands that redeem it outside the model and give
    /// this client the tools over stdio.
    fn without_session(&self, request: CallToolRequestParams) -> CallToolResult {
        let base = self.public_base();
        let given = request
            .arguments
            .and_then(|args| args.get("code").and_then(|c| c.as_str()).map(str::to_owned));
        let Some(code) = given.and_then(|code| AgentCode::parse(&code).ok()) else {
            return failure(format!(
                "This is not an agent auth code. Pass the code the person generated at \
                 {base}/connect, as {{\"code\": \"K7QM-4XHD-92TB-VN3R-P\"}}."
            ));
        };
        success(stateless_instructions(&base, &code.display()))
    }

    /// Redeems the code as the token endpoint does and, in a session, authorizes the session.
    async fn authenticate(
        &self,
        request: CallToolRequestParams,
        context: &RequestContext<RoleServer>,
    ) -> CallToolResult {
        let base = self.public_base();
        let Ok(AuthenticateArgs { code }) =
            parse_json_object(request.arguments.unwrap_or_default())
        else {
            return failure(format!(
                "Pass the code the person generated at {base}/connect, as {{\"code\": \"K7QM-4XHD-92TB-VN3R-P\"}}."
            ));
        };
        let parts = context.extensions.get::<http::request::Parts>();
        let addr = parts
            .and_then(|p| p.extensions.get::<ClientAddr>())
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |&ClientAddr(addr)| addr);
        let agent_name = context.peer.peer_info().map(|info| {
            let client = &info.client_info;
            client.title.clone().unwrap_or_else(|| client.name.clone())
        });
        // The MCP client info names the software; its HTTP User-Agent is the fallback.
        let software = context
            .peer
            .peer_info()
            .map(|info| format!("{} {}", info.client_info.name, info.client_info.version))
            .or_else(|| {
                parts
                    .and_then(|p| p.headers.get(http::header::USER_AGENT))
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            });
        let token_request = TokenRequest {
            code: Some(code),
            agent_name,
            ..Default::default()
        };
        let tokens = match agent_code::redeem(
            &self.state,
            addr,
            software.as_deref(),
            &token_request,
        )
        .await
        {
            Ok(tokens) => tokens,
            Err(err) => return failure(refusal(&base, &err)),
        };
        let mut in_session = false;
        if let Some(id) = session_id(context) {
            let params = context
                .peer
                .peer_info()
                .and_then(|info| serde_json::to_string(&*info).ok())
                .unwrap_or_else(|| "{}".into());
            let now = self.state.now();
            match mcp_sessions::authorize(
                &self.state.db,
                &mcp_sessions::SessionKey::of(id),
                &params,
                &tokens.grant_id,
                now,
            )
            .await
            {
                Ok(()) => {
                    in_session = true;
                    self.state.agent_sessions.authenticated(id);
                    tracing::info!(token = %log_id(&tokens.access_token), grant = %tokens.grant_id, "MCP agent session authorized");
                    if let Err(err) = context.peer.notify_tool_list_changed().await {
                        tracing::debug!(%err, "could not announce the new tool list");
                    }
                }
                Err(err) => {
                    tracing::warn!(%err, "could not bind an MCP session to its grant");
                }
            }
        }
        success(authenticated(&base, &tokens, in_session))
    }
}

/// What `authenticate` answers a client of the stateless lifecycle: the code is untouched,
/// and the commands that redeem it and serve the tools without a token in the model's context.
fn stateless_instructions(base: &str, code: &str) -> String {
    format!(
        "Not redeemed yet: this MCP client uses protocol revision 2026-07-28, where a tool call \
         cannot sign in the connection it arrives on, and Agent Connect never hands a token to \
         the model. The code is still unused and valid for the rest of its 5 minutes.\n\n\
         Run these two commands in a terminal on this machine. The first redeems the code with \
         the agent-connect command-line client, which keeps the tokens to itself; the second \
         gives this client the tools through it (stdio MCP server):\n\n\
         agent-connect auth login --auth-code {code} --server {base}\n\
         claude mcp add agent-connect -- agent-connect mcp\n\n\
         The second line is Claude Code's; in another client, add the stdio server command \
         `agent-connect mcp` the same way. If agent-connect is not installed, download it from \
         {base}{download} and check it against {base}{download}.sha256.",
        download = crate::instructions::CLI_DOWNLOAD_PATH,
    )
}

/// What a failed redemption tells the agent: one message for every unusable code, the wait
/// when rate-limited, nothing more.
fn refusal(base: &str, err: &OAuthError) -> String {
    match err.code() {
        ErrorCode::TooManyRequests => format!(
            "Too many attempts. Wait {} seconds and try again.",
            err.retry_after().unwrap_or(60)
        ),
        ErrorCode::InvalidGrant | ErrorCode::InvalidRequest => format!(
            "This code is invalid, expired or already used. Ask the person to generate a new code at {base}/connect."
        ),
        _ => {
            "The server could not redeem the code just now. Try again in a moment: the code stays \
              valid until it expires."
                .into()
        }
    }
}

/// The success text: what the agent may do now and, for configuring another MCP client, the
/// access token with its lifetime. The refresh token never enters the model's context: an
/// authorized session needs no token at all, and a header set once cannot be refreshed anyway
/// (MCP authorization 2025-11-25, "Token Handling": tokens are the client's, not the model's).
fn authenticated(base: &str, tokens: &TokenResponse, in_session: bool) -> String {
    let token = &tokens.access_token;
    let minutes = tokens.expires_in / 60;
    let scopes = if tokens.scope.is_empty() {
        "none"
    } else {
        &tokens.scope
    };
    let session = if in_session {
        format!(
            "This MCP session is authorized now: its tool list includes the tools these scopes \
             allow. It stays authorized until the person revokes this agent at {base}/security \
             or the grant expires; you do not need to handle any token to keep working here.\n\n"
        )
    } else {
        "This connection has no MCP session (the client did not start one with initialize), so \
         the tools do not appear here: use the access token below.\n\n"
            .to_owned()
    };
    format!(
        "Authenticated with Agent Connect as \"{name}\".\n\n\
         Scopes: {scopes}\n\n\
         {session}\
         To use these permissions from another MCP client instead, configure it with this access \
         token:\n\n\
         Access token: {token}\n\
         Lifetime: {expires_in} seconds ({minutes} minutes). It cannot be renewed from here: when \
         it expires, requests with it are refused with 401, and the person generates a new code \
         at {base}/connect.\n\n\
         Send it as the header \"Authorization: Bearer {token}\" with every request to {base}/mcp. \
         For Claude Code, run:\n\n\
         claude mcp add --transport http agent-connect {base}/mcp --header \"Authorization: Bearer {token}\"\n\n\
         Keep the token secret: whoever holds it can act for the person within these scopes.",
        name = tokens.agent_name,
        expires_in = tokens.expires_in,
    )
}

impl ServerHandler for AgentServer {
    fn get_info(&self) -> ServerConfig {
        server_config(
            format!(
                "Call authenticate with the one-time code the person generated at {}/connect. In an \
             MCP session (revisions up to 2025-11-25) the session then lists the tools the code \
             allows. Without a session (revision 2026-07-28) the result says how to redeem the \
             code with the agent-connect command-line client, which keeps the tokens and serves \
             the tools to this client.",
                self.public_base()
            ),
            true,
        )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let mut tools = vec![self.authenticate_tool()];
        if let SessionStanding::Authorized(principal) = self.standing(&context).await? {
            tools.extend(self.tools.list(&principal));
        }
        Ok(private_list(tools))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        if request.name == AUTHENTICATE {
            if stateless(&context) {
                return Ok(self.without_session(request).into());
            }
            return Ok(self.authenticate(request, &context).await.into());
        }
        let standing = self.standing(&context).await?;
        if let SessionStanding::Authorized(principal) = standing {
            return self.tools.call(principal, request, context).await;
        }
        if !self.tools.knows(&request.name) {
            return Err(ErrorData::invalid_params("tool not found", None));
        }
        let base = self.public_base();
        if let SessionStanding::Ended = standing {
            if let Err(err) = context.peer.notify_tool_list_changed().await {
                tracing::debug!(%err, "could not announce the new tool list");
            }
            return Ok(failure(format!(
                "This session's authorization has ended: the person revoked it or it expired. Ask \
                 the person for a new code at {base}/connect and call authenticate again."
            ))
            .into());
        }
        Ok(failure(format!(
            "This session is not authorized yet. Call authenticate with the one-time code the \
             person generates at {base}/connect."
        ))
        .into())
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        if name == AUTHENTICATE {
            Some(self.authenticate_tool())
        } else {
            self.tools.get(name)
        }
    }
}

/// rmcp answers a session's `DELETE` with 202 Accepted, but the session is already closed
/// when the answer leaves, and clients expect 200 or 204 (the Python SDK logs 202 as a failed
/// termination): so it is 204 No Content.
pub async fn closed_is_no_content(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let delete = request.method() == http::Method::DELETE;
    let mut response = next.run(request).await;
    if delete && response.status() == http::StatusCode::ACCEPTED {
        *response.status_mut() = http::StatusCode::NO_CONTENT;
    }
    response
}

/// The Streamable HTTP service of `/mcp/agent`.
pub fn service(
    state: &AppState,
    validator: TokenValidator,
    tools: ResourceTools,
) -> StreamableHttpService<AgentServer, LocalSessionManager> {
    let factory_state = state.clone();
    StreamableHttpService::new(
        move || {
            Ok(AgentServer::new(
                factory_state.clone(),
                validator.clone(),
                tools.clone(),
            ))
        },
        state.agent_sessions.manager(),
        // Both eras: legacy session mode stays on for clients that `initialize` (revisions up
        // to 2025-11-25), whose session `authenticate` authorizes; a request of the stateless
        // lifecycle (2026-07-28, SEP-2567) is served on its own, never minted a session, and
        // its `authenticate` answers with the command-line path (`without_session`). Sessions
        // are stored in the database, so any instance can rebuild one it does not hold.
        {
            let mut config = transport_config(state, true);
            config.session_store = Some(Arc::new(SharedSessions::new(state.clone())));
            config
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_never_show_the_code() {
        let args = AuthenticateArgs {
            code: "K7QM-4XHD-92TB-VN3R-2WQX-P".into(),
        };
        assert!(!format!("{args:?}").contains("K7QM"));
    }

    #[test]
    fn refusals_reveal_only_what_a_person_can_act_on() {
        let base = "https://ac.example";
        let invalid = refusal(base, &OAuthError::invalid_grant("code hash abc not found"));
        assert_eq!(
            invalid,
            "This code is invalid, expired or already used. Ask the person to generate a new code at https://ac.example/connect."
        );
        assert_eq!(
            refusal(base, &OAuthError::too_many_requests(42)),
            "Too many attempts. Wait 42 seconds and try again."
        );
    }

    #[test]
    fn the_success_text_has_the_claude_line_and_never_the_refresh_token() {
        let tokens = TokenResponse {
            access_token: "acat_x".into(),
            token_type: "Bearer",
            expires_in: 1800,
            refresh_token: "acrt_y".into(),
            scope: "quote".into(),
            client_id: "agent_z".into(),
            agent_name: "Claude Code".into(),
            grant_id: "gr_1".into(),
        };
        let text = authenticated("https://ac.example", &tokens, false);
        assert!(!text.contains("acrt_y"), "{text}");
        assert!(!text.to_lowercase().contains("refresh"), "{text}");
        assert!(text.contains("cannot be renewed from here"));
        let in_session = authenticated("https://ac.example", &tokens, true);
        assert!(in_session.contains("stays authorized until the person revokes"));
        assert!(!in_session.contains("acrt_y"));
        assert!(text.contains(
            "claude mcp add --transport http agent-connect https://ac.example/mcp --header \"Authorization: Bearer acat_x\""
        ));
        assert!(text.contains("1800 seconds (30 minutes)"));
        assert!(text.starts_with("Authenticated with Agent Connect as \"Claude Code\"."));
        assert!(!text.contains("session is authorized"));
        assert!(text.contains("no MCP session"));
    }
}
