//! `/mcp`: the reference resource. `whoami` answers for any live token; every other tool is
//! gated by one catalogue scope and acts on the [sandbox](super::sandbox). A call without the
//! scope is refused with `insufficient_scope` (RFC 6750 section 3.1) and a step-up link that
//! pre-fills the portal: on `/mcp` as an HTTP 403 before the call gets here
//! ([`super::step_up`]), in an authorized `/mcp/agent` session as the tool's result. The same
//! tools serve both.

use std::sync::Arc;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::{Extension, ToolCallContext};
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ListToolsResult,
    PaginatedRequestParams, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::transport::streamable_http_server::StreamableHttpService;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::{ErrorData, RoleServer, ServerHandler, tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;

use super::auth::{Principal, client_addr};
use super::protocol::{failure, private_list, server_config, success, transport_config};
use super::sandbox::{self, NOTICE, Order, Refused, Sandbox, Side, dollars};
use crate::language::Locale;
use crate::server::app::clock::Clock;
use crate::server::app::state::AppState;
use crate::server::db;
use crate::server::db::activity::ActivityKind;
use crate::server::domain::activity_log::ActivityLog;
use crate::timefmt;

/// The scope each gated tool needs. Tools not named here (`whoami`) need none.
const GATES: [(&str, &str); 5] = [
    ("get_quote", "quote"),
    ("get_account", "account.read"),
    ("list_orders", "trade.read"),
    ("place_order", "trade.write"),
    ("cancel_order", "trade.write"),
];

/// The scope a tool needs, if any.
pub fn required_scope(tool: &str) -> Option<&'static str> {
    GATES
        .iter()
        .find(|(name, _)| *name == tool)
        .map(|&(_, scope)| scope)
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct QuoteArgs {
    /// Ticker symbol: AAPL, MSFT, NVDA or SPY.
    pub symbol: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct PlaceOrderArgs {
    /// Ticker symbol: AAPL, MSFT, NVDA or SPY.
    pub symbol: String,
    /// "buy" or "sell".
    pub side: Side,
    /// Number of shares, a whole number from 1 to 10000.
    pub quantity: i64,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct CancelOrderArgs {
    /// The order's id, as place_order or list_orders gave it (e.g. "ord_...").
    pub order_id: String,
}

/// The resource's tools, shared by every MCP session of this instance.
#[derive(Clone)]
pub struct ResourceTools {
    sandbox: Arc<Sandbox>,
    clock: Arc<dyn Clock>,
    public_base: Arc<str>,
    /// The catalogue's scope names: a gated tool is offered only when its scope is one of them.
    offered: Arc<Vec<String>>,
    router: Arc<ToolRouter<Self>>,
    /// Where each call is counted for the agent's page.
    activity: ActivityLog,
}

impl ResourceTools {
    pub fn new(state: &AppState) -> Self {
        Self {
            sandbox: Arc::new(Sandbox::new(state.db.clone())),
            clock: state.clock.clone(),
            public_base: state.config.public_base().into(),
            offered: Arc::new(state.catalogue.iter().map(|s| s.name.clone()).collect()),
            router: Arc::new(Self::tool_router()),
            activity: state.activity.clone(),
        }
    }

    /// Whether `tool` is one of the resource's tools under the configured catalogue.
    pub fn knows(&self, tool: &str) -> bool {
        self.router.has_route(tool)
            && required_scope(tool).is_none_or(|scope| self.offered.iter().any(|s| s == scope))
    }

    /// A tool's definition, for header validation.
    pub fn get(&self, tool: &str) -> Option<Tool> {
        self.router.get(tool).filter(|_| self.knows(tool)).cloned()
    }

    /// The tools `principal` may use now, by name: `whoami`, and each gated tool whose scope
    /// is in force. A scope not granted, lapsed or waiting for approval, and every gated tool
    /// of a paused grant, stay out of the list (the tool set varies only by the authorization
    /// presented); `whoami` names them, with what would make them work.
    pub fn list(&self, principal: &Principal) -> Vec<Tool> {
        let mut tools: Vec<Tool> = self
            .router
            .list_all()
            .into_iter()
            .filter(|tool| self.knows(&tool.name) && usable(principal, &tool.name))
            .map(|mut tool| {
                if let Some(scope) = required_scope(&tool.name) {
                    let mut text = tool.description.take().unwrap_or_default().into_owned();
                    text.push_str(&format!(" Uses the permission \"{scope}\"."));
                    tool.description = Some(text.into());
                }
                tool
            })
            .collect();
        tools.sort_by(|a, b| a.name.cmp(&b.name));
        tools
    }

    /// The tools of this resource that `principal` may not use now, each with why, for
    /// `whoami`.
    fn not_listed(&self, principal: &Principal) -> Vec<String> {
        let mut lines: Vec<String> = GATES
            .iter()
            .filter(|(tool, _)| self.knows(tool) && !usable(principal, tool))
            .map(|&(tool, scope)| {
                let why = if principal.paused {
                    "the person paused this agent"
                } else if principal.pending.iter().any(|s| s == scope) {
                    "waiting for the person's approval"
                } else if principal.lapsed.iter().any(|s| s == scope) {
                    "granted for a time that has ended"
                } else {
                    "not granted"
                };
                format!("{tool} (needs \"{scope}\": {why})")
            })
            .collect();
        lines.sort();
        lines
    }

    /// Runs a tool for `principal`, or refuses it: while the person has paused the grant, or
    /// with `insufficient_scope` when the principal lacks the tool's scope. Either way the
    /// call is counted on the agent's page.
    pub async fn call(
        &self,
        principal: Arc<Principal>,
        request: CallToolRequestParams,
        mut context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        if !self.knows(&request.name) {
            return Err(ErrorData::invalid_params("tool not found", None));
        }
        let addr = client_addr(&context);
        let now = self.clock.now();
        let count = |kind| {
            self.activity
                .record(&principal.grant_id, kind, &request.name, addr, now)
        };
        if principal.paused {
            count(ActivityKind::ToolRefused);
            tracing::info!(grant = %principal.grant_id, tool = %request.name, "MCP tool call refused: grant paused");
            return Ok(failure(paused(&self.public_base, &principal)).into());
        }
        if let Some(scope) = required_scope(&request.name)
            && !principal.has_scope(scope)
        {
            count(ActivityKind::ToolRefused);
            tracing::info!(grant = %principal.grant_id, tool = %request.name, scope, "MCP tool call refused: insufficient scope");
            return Ok(failure(self.insufficient_scope(&principal, &request.name, scope)).into());
        }
        count(ActivityKind::ToolCall);
        context.extensions.insert(principal);
        self.router
            .call(ToolCallContext::new(self, request, context))
            .await
    }

    /// The refusal of RFC 6750 section 3.1 as a tool result, with a link that pre-fills the
    /// portal with what was granted plus the missing scope.
    fn insufficient_scope(&self, principal: &Principal, tool: &str, missing: &str) -> String {
        insufficient_scope(&self.public_base, principal, tool, missing)
    }
}

/// Whether `principal` may use `tool` now: not paused, and the tool's scope (if any) in force.
fn usable(principal: &Principal, tool: &str) -> bool {
    match required_scope(tool) {
        None => true,
        Some(scope) => !principal.paused && principal.has_scope(scope),
    }
}

/// What an agent is told while the person has paused its access.
pub fn paused(public_base: &str, principal: &Principal) -> String {
    format!(
        "Paused: the person paused this agent's access ({}) on {public_base}/security. Its \
         tokens stay valid and every tool works again once they resume it there; until then \
         each call is refused. Tell the person, and do not retry in a loop.",
        agent_name(principal)
    )
}

/// The agent's name as an agent reads it: in English, "Unnamed agent" when it gave none.
fn agent_name(principal: &Principal) -> String {
    crate::server::domain::security_log::agent_name(&principal.agent_name, Locale::en)
}

/// What an agent is told when `tool` needs `missing`, which `principal` was not granted: the
/// refusal, what was granted, and the step-up link that pre-fills the portal with both.
pub fn insufficient_scope(
    public_base: &str,
    principal: &Principal,
    tool: &str,
    missing: &str,
) -> String {
    let link = crate::links::step_up(
        public_base,
        &step_up_scopes(principal, missing),
        &principal.agent_name,
    );
    if principal.pending.iter().any(|scope| scope == missing) {
        return format!(
            "Waiting for the person to approve on {public_base}/connect: {tool} needs \"{missing}\", \
             a high-risk permission that starts only once the person approves this agent on the \
             page where they generated the code (they have 10 minutes). Tell them, then call \
             {tool} again. Your other permissions ({}) work already.",
            granted_words(&principal.scopes)
        );
    }
    if principal.lapsed.iter().any(|scope| scope == missing) {
        return format!(
            "insufficient_scope: {tool} needs the permission \"{missing}\". The person granted \
             it to this agent for a limited time, which has ended; the agent keeps its other \
             permissions ({}).\nAsk the person to renew it with one click on \
             {public_base}/security, then call {tool} again. (Or they can open this link for a \
             new code: {link})",
            granted_words(&principal.scopes)
        );
    }
    format!(
        "insufficient_scope: {tool} needs the permission \"{missing}\", which this agent was not granted \
         (granted: {}).\nAsk the person to open this link, which pre-fills the form with the \
         permissions needed; it gives them a new code for you to redeem:\n{link}",
        granted_words(&principal.scopes)
    )
}

/// The scopes a step-up asks for: everything granted, plus the one missing.
pub fn step_up_scopes(principal: &Principal, missing: &str) -> Vec<String> {
    let mut wanted = principal.scopes.clone();
    wanted.push(missing.to_owned());
    wanted
}

#[tool_router]
impl ResourceTools {
    #[tool(
        description = "Who this access token acts for: the account's email, the agent's name, the granted permissions (scopes) and when the token expires.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn whoami(&self, Extension(principal): Extension<Arc<Principal>>) -> CallToolResult {
        let now = self.clock.now();
        let mut text = format!(
            "Account: {}\nAgent: {}\nClient id: {}\nScopes: {}\nExpires at: {} ({}, {})",
            principal.email,
            agent_name(&principal),
            principal.client_id,
            granted_words(&principal.scopes),
            principal.expires_at,
            crate::timefmt::utc(principal.expires_at),
            timefmt::relative(principal.expires_at, now)
        );
        let others = self.not_listed(&principal);
        if !others.is_empty() {
            text.push_str(&format!(
                "\nNot available to this token now: {}.\nCalling one of them returns what the \
                 person can do about it (a link that grants the permission, or where to approve \
                 or resume).",
                others.join("; ")
            ));
        }
        success(text)
    }

    #[tool(
        description = "Sandbox market data: the sample price of a symbol (AAPL, MSFT, NVDA or SPY). Prices are fixed sample values, not live quotes.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn get_quote(
        &self,
        Parameters(QuoteArgs { symbol }): Parameters<QuoteArgs>,
    ) -> CallToolResult {
        match Sandbox::quote(&symbol) {
            Some(quote) => sandbox_success(format!(
                "{} ({}): {} per share (fixed sample price)",
                quote.symbol,
                quote.name,
                dollars(quote.price)
            )),
            None => sandbox_failure(sandbox::unknown_symbol(&symbol)),
        }
    }

    #[tool(
        description = "Sandbox paper account: cash, buying power and positions. Sample data, not a real account.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn get_account(&self, Extension(principal): Extension<Arc<Principal>>) -> CallToolResult {
        let account = match self.sandbox.account(&principal.user_id).await {
            Ok(account) => account,
            Err(err) => return sandbox_busy(&err),
        };
        let mut text = format!(
            "Paper account of {}\nCash: {}\nBuying power: {} ({} open orders)\nPositions:",
            principal.email,
            dollars(account.cash),
            dollars(account.buying_power),
            account.open_orders
        );
        for position in &account.positions {
            text.push_str(&format!(
                "\n- {} {}: {} shares at {} = {}",
                position.quote.symbol,
                position.quote.name,
                position.quantity,
                dollars(position.quote.price),
                dollars(position.quote.price * position.quantity)
            ));
        }
        sandbox_success(text)
    }

    #[tool(
        description = "Sandbox paper account: the orders placed in it, open and cancelled, oldest first.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn list_orders(&self, Extension(principal): Extension<Arc<Principal>>) -> CallToolResult {
        let orders = match self.sandbox.orders_of(&principal.user_id).await {
            Ok(orders) => orders,
            Err(err) => return sandbox_busy(&err),
        };
        if orders.is_empty() {
            return sandbox_success("No orders yet.".into());
        }
        let lines: Vec<String> = orders
            .iter()
            .map(|o| order_line(o, self.clock.now()))
            .collect();
        sandbox_success(format!("Orders:\n{}", lines.join("\n")))
    }

    #[tool(
        description = "Sandbox paper account: place a market order to buy or sell whole shares of AAPL, MSFT, NVDA or SPY. The order stays open in the sandbox; nothing is executed or sent to a real market.",
        annotations(
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn place_order(
        &self,
        Extension(principal): Extension<Arc<Principal>>,
        Parameters(args): Parameters<PlaceOrderArgs>,
    ) -> CallToolResult {
        let now = self.clock.now();
        let placed = self.sandbox.place(
            &principal.user_id,
            &args.symbol,
            args.side,
            args.quantity,
            now,
        );
        match placed.await {
            Ok(order) => {
                tracing::info!(grant = %principal.grant_id, order = %order.id, "sandbox order placed");
                sandbox_success(format!(
                    "Order accepted (paper only):\n{}",
                    order_line(&order, now)
                ))
            }
            Err(Refused::Rule(reason)) => sandbox_failure(format!("Order refused: {reason}")),
            Err(Refused::Database(err)) => sandbox_busy(&err),
        }
    }

    #[tool(
        description = "Sandbox paper account: cancel an open order by its id (from place_order or list_orders).",
        annotations(
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn cancel_order(
        &self,
        Extension(principal): Extension<Arc<Principal>>,
        Parameters(CancelOrderArgs { order_id }): Parameters<CancelOrderArgs>,
    ) -> CallToolResult {
        match self.sandbox.cancel(&principal.user_id, &order_id).await {
            Ok(order) => sandbox_success(format!(
                "Order cancelled:\n{}",
                order_line(&order, self.clock.now())
            )),
            Err(Refused::Rule(reason)) => sandbox_failure(format!("Not cancelled: {reason}")),
            Err(Refused::Database(err)) => sandbox_busy(&err),
        }
    }
}

/// A sandbox tool's answer when the database could not be reached: nothing was changed.
fn sandbox_busy(err: &sqlx::Error) -> CallToolResult {
    tracing::warn!(%err, "sandbox unavailable");
    sandbox_failure(format!(
        "The server is busy and nothing was changed. Try again in {} second{}.",
        db::BUSY_RETRY_AFTER,
        if db::BUSY_RETRY_AFTER == 1 { "" } else { "s" }
    ))
}

fn order_line(order: &Order, now: i64) -> String {
    format!(
        "- {}: {} {} {} at market, {} (placed {})",
        order.id,
        order.side.as_str(),
        order.quantity,
        order.symbol,
        order.status.as_str(),
        timefmt::relative(order.placed_at, now)
    )
}

fn granted_words(scopes: &[String]) -> String {
    if scopes.is_empty() {
        "none".into()
    } else {
        scopes.join(" ")
    }
}

fn sandbox_success(text: String) -> CallToolResult {
    success(format!("{NOTICE}\n\n{text}"))
}

fn sandbox_failure(text: String) -> CallToolResult {
    failure(format!("{NOTICE}\n\n{text}"))
}

/// The MCP server of `/mcp`. The bearer check has already admitted the request; the principal
/// comes from the HTTP request behind each MCP request. One is made for every request, so what
/// it says about itself is written once and shared.
#[derive(Clone)]
pub struct ResourceServer {
    tools: ResourceTools,
    info: Arc<ServerConfig>,
}

impl ServerHandler for ResourceServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::clone(&self.info)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let Some(principal) = Principal::of_request(&context) else {
            tracing::error!(
                "MCP resource request without a principal: is the bearer check missing?"
            );
            return Err(ErrorData::internal_error("not authorized", None));
        };
        Ok(private_list(self.tools.list(&principal)))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let Some(principal) = Principal::of_request(&context) else {
            tracing::error!(
                "MCP resource request without a principal: is the bearer check missing?"
            );
            return Err(ErrorData::internal_error("not authorized", None));
        };
        self.tools.call(principal, request, context).await
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tools.get(name)
    }
}

/// The Streamable HTTP service of `/mcp`. Stateless: every request carries its token, so no
/// session state is needed and any instance can answer any request.
pub fn service(
    state: &AppState,
    tools: ResourceTools,
) -> StreamableHttpService<ResourceServer, NeverSessionManager> {
    let info = Arc::new(server_config(
        format!(
            "Agent Connect's reference resource. tools/list shows the tools this access token may \
             use now; whoami tells who the token acts for and names the tools it may not use yet, \
             and why. The other tools act on a sandbox (sample quotes and a paper account, never \
             a real market). A call to a tool the token may not use returns a link to {}/connect \
             where the person can grant it.",
            state.config.public_base()
        ),
        false,
    ));
    StreamableHttpService::new(
        move || {
            Ok(ResourceServer {
                tools: tools.clone(),
                info: Arc::clone(&info),
            })
        },
        Arc::new(NeverSessionManager::default()),
        transport_config(state, false),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_gate_names_a_default_scope() {
        let catalogue = crate::scopes::default_catalogue();
        for (tool, scope) in GATES {
            assert!(
                catalogue.iter().any(|s| s.name == scope),
                "{tool} needs unknown scope {scope}"
            );
        }
        assert_eq!(required_scope("whoami"), None);
        assert_eq!(required_scope("place_order"), Some("trade.write"));
    }
}
