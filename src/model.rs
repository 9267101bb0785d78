//! Data the pages receive from their server functions. Plain serde types, shared by the server
//! and the wasm bundle.

use serde::{Deserialize, Serialize};

use crate::scopes::Scope;

/// The signed-in person, as the pages see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub email: String,
}

/// What every page needs to know about the visitor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageContext {
    pub account: Option<Account>,
    pub signup_open: bool,
    /// The error of a form posted without JavaScript, shown once.
    pub form_error: Option<FormError>,
}

/// A form's error, and the server function the form posted to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormError {
    pub action: String,
    pub message: String,
}

/// Everything the /connect page shows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConnectView {
    pub catalogue: Vec<Scope>,
    /// The code issued in this session, while the page should still show it.
    pub issued: Option<IssuedCode>,
    /// What the form is pre-filled with: the last request, or nothing.
    pub last_scopes: Vec<String>,
    pub last_agent_name: String,
    /// The lifetimes last chosen, as form values; empty for the defaults.
    pub last_lifetime: String,
    pub last_high_risk_lifetime: String,
    pub last_guard_network: bool,
    /// The server's public URL, as the agent must reach it.
    pub public_url: String,
    /// The command-line client this server offers for download, if it offers one.
    pub cli_download: Option<CliDownload>,
    /// Server time (unix seconds) when this was read, so the countdown matches the server.
    pub now: i64,
}

/// The build of `agent-connect` served at `/download/agent-connect`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CliDownload {
    /// Its SHA-256, hex, as `sha256sum` prints it.
    pub sha256: String,
    /// What it runs on, e.g. "linux x86_64".
    pub platform: String,
}

/// A freshly issued agent auth code. The plaintext lives only in the server-side session
/// and on the page that shows it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedCode {
    /// The code as shown, grouped with dashes.
    pub code: String,
    pub scopes: Vec<String>,
    pub agent_name: Option<String>,
    pub expires_at: i64,
    pub status: CodeStatus,
    /// The lifetimes chosen for it, as form values, so a new code can be asked the same way.
    #[serde(default)]
    pub lifetime: String,
    #[serde(default)]
    pub high_risk_lifetime: String,
    /// Its grant is paused if used from a new network.
    #[serde(default)]
    pub guard_network: bool,
}

impl std::fmt::Debug for IssuedCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedCode")
            .field("code", &"<redacted>")
            .field("scopes", &self.scopes)
            .field("expires_at", &self.expires_at)
            .field("status", &self.status)
            .finish()
    }
}

/// Where an issued code stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CodeStatus {
    Waiting,
    Redeemed {
        agent_name: String,
        at: i64,
        /// Set when the code granted high-risk permissions, which wait for the person.
        confirmation: Option<Confirmation>,
    },
    Expired,
}

/// Who redeemed a code with high-risk permissions, for the person to approve or deny.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    pub grant_id: String,
    /// The software that redeemed it, as it named itself.
    pub client_software: Option<String>,
    /// The address it redeemed from.
    pub address: Option<String>,
    /// The high-risk permissions that wait for the person.
    pub waiting: Vec<String>,
    pub state: ConfirmationState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConfirmationState {
    /// Waiting for the person until then (unix seconds); then revoked.
    Pending {
        until: i64,
    },
    Approved,
    /// Denied, not approved in time, or revoked since.
    Revoked,
}

/// The /security page.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SecurityView {
    /// Signs of a stolen token or code in the last weeks, newest first: shown on top.
    pub alerts: Vec<EventView>,
    pub grants: Vec<GrantView>,
    pub events: Vec<EventView>,
    pub now: i64,
}

/// One "AI Agent" grant row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantView {
    pub id: String,
    /// The agent's name as the page shows it ("Unnamed agent" in the visitor's language when
    /// it gave none).
    pub agent_name: String,
    /// Whether the agent has a name of its own: the rename form starts empty when it has not,
    /// so the translated label is never saved as a name.
    pub named: bool,
    pub scopes: Vec<String>,
    /// How it was granted, in words ("Agent auth code").
    pub granted_via: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub expires_at: i64,
    /// The person paused it: its tokens are refused until they resume it.
    pub paused: bool,
    /// When it ends whatever its refreshes; `None` until revoked.
    pub ends_at: Option<i64>,
    /// Its high-risk scopes, among `scopes`.
    pub high_risk: Vec<String>,
    /// Until when they are active; `None` as long as the grant.
    pub high_risk_until: Option<i64>,
    /// Until when they wait for the person's approval; then the grant is revoked.
    pub pending_until: Option<i64>,
}

/// One agent's page: its grant, where it stands, and what it did lately.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentView {
    pub grant: GrantView,
    pub status: AgentStatus,
    /// The OAuth client it redeemed through (a client id, or an HTTPS client metadata URL).
    pub client_id: String,
    /// The address it was last used from, when known.
    pub last_used_ip: Option<String>,
    /// The network it is paused outside of, when the person asked for that guard.
    pub home_network: Option<String>,
    /// The software that redeemed the code, as it named itself, and its address.
    pub client_software: Option<String>,
    pub redeemed_ip: Option<String>,
    /// Its recent tool calls, refreshes and the person's changes, newest first.
    pub activity: Vec<ActivityView>,
    pub now: i64,
}

/// Where an agent's grant stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AgentStatus {
    Active,
    Paused { since: i64 },
    Revoked { at: i64 },
    Expired,
}

/// One line of an agent's activity: something it did (or that was done to it) so many times
/// in one minute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityView {
    /// What happened, e.g. "Called get_quote".
    pub title: String,
    pub calls: i64,
    pub client_ip: Option<String>,
    pub last_at: i64,
}

/// One entry of the account's security log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventView {
    /// What happened, e.g. "Code redeemed".
    pub title: String,
    pub detail: String,
    pub at: i64,
}

/// The parameters of an authorization request (RFC 6749 section 4.1.1, RFC 7636 section 4.3),
/// carried from the consent page back to the server as hidden fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizeParams {
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    /// RFC 8707: the resource the tokens are for.
    pub resource: Option<String>,
}

impl AuthorizeParams {
    /// The parameters as name/value pairs, for hidden form fields.
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        [
            ("response_type", &self.response_type),
            ("client_id", &self.client_id),
            ("redirect_uri", &self.redirect_uri),
            ("scope", &self.scope),
            ("state", &self.state),
            ("code_challenge", &self.code_challenge),
            ("code_challenge_method", &self.code_challenge_method),
            ("resource", &self.resource),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.clone().map(|v| (name, v)))
        .collect()
    }
}

/// Where an application's identity comes from, as the consent and device pages show it
/// (MCP authorization 2025-11-25, "Client ID Metadata Documents", security considerations).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClientIdentity {
    /// Its client id is a metadata document this server fetched from `domain` over https.
    Verified { domain: String },
    /// It registered itself (RFC 7591): its name is whatever it declared.
    SelfDeclared,
}

/// Who is asking, for the consent and device pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientSummary {
    pub name: String,
    pub identity: ClientIdentity,
    /// Every redirect URI it registered is on the person's own device (a loopback address),
    /// so any program there could have registered it.
    pub loopback_only: bool,
}

/// What the consent page shows, or why it shows nothing to approve.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum ConsentView {
    /// A valid request: ask the person.
    Ask {
        client: ClientSummary,
        /// Where the browser goes afterwards, as a host the person can recognise.
        redirect_host: String,
        scopes: Vec<Scope>,
        params: Box<AuthorizeParams>,
    },
    /// The request cannot be trusted with a redirect (unknown client, unregistered
    /// redirect URI): say so on the page.
    Refused { message: String },
    /// The request is answered at the client's redirect URI (an RFC 6749 error).
    SendBack { url: String },
}

/// Everything the /device page shows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeviceView {
    /// The request the entered user code belongs to, while it is live and undecided.
    pub request: Option<DeviceRequest>,
    /// A code was entered and matched no live, undecided request.
    pub not_found: bool,
}

/// A device authorization request waiting for the person's decision.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeviceRequest {
    /// As shown: `XXXX-XXXX`.
    pub user_code: String,
    /// The client that asked.
    pub client: ClientSummary,
    /// The requested scopes, as the catalogue describes them.
    pub scopes: Vec<Scope>,
    /// `verification_uri_complete` as an SVG QR code in a `data:` URI.
    pub qr_data_uri: Option<String>,
}
