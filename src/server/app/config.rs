//! The server's settings. Every setting has a flag and an `AGENT_CONNECT_*` (or `DATABASE_URL`)
//! variable; `agent-connect serve --help` lists them all. The commands that take them are in
//! [`crate::command`].

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroUsize;
use std::path::PathBuf;

use clap::Args;

#[derive(Clone, Args)]
pub struct DatabaseConfig {
    /// Database URL. SQLite by default; the file is created if missing.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/agent-connect.db?mode=rwc"
    )]
    pub database_url: String,
}

#[derive(Clone, Args)]
pub struct ServeConfig {
    #[command(flatten)]
    pub database: DatabaseConfig,

    /// Address and port to listen on.
    #[arg(long, env = "AGENT_CONNECT_BIND", default_value = "127.0.0.1:3000")]
    pub bind: SocketAddr,

    /// The URL people and agents use to reach this server (shown in instructions, used as
    /// the OAuth issuer). An https URL also makes session cookies Secure.
    #[arg(
        long,
        env = "AGENT_CONNECT_PUBLIC_URL",
        default_value = "http://127.0.0.1:3000"
    )]
    pub public_url: url::Url,

    /// Folder of the built site (the browser bundle, stylesheet and public files) that
    /// `make release` writes; the server refuses to start without it.
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,

    /// A TOML file with the scope catalogue, replacing the default (see README).
    #[arg(long, env = "AGENT_CONNECT_SCOPES_FILE")]
    pub scopes_file: Option<PathBuf>,

    /// Whether visitors may create accounts. With `false`, create them with `user create`.
    #[arg(long, env = "AGENT_CONNECT_SIGNUP", default_value_t = true, action = clap::ArgAction::Set)]
    pub signup: bool,

    /// Addresses of reverse proxies whose X-Forwarded-For header is trusted (comma-separated).
    #[arg(long, env = "AGENT_CONNECT_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<IpAddr>,

    /// Bearer token that opens `GET /metrics` to a scraper that is not on loopback (loopback
    /// peers other than trusted proxies need none). Unset: loopback only.
    #[arg(long, env = "AGENT_CONNECT_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,

    /// PEM file of certificate authorities trusted, besides the public ones, when fetching a
    /// Client ID Metadata Document (an https `client_id`), e.g. a company's private CA.
    #[arg(long, env = "AGENT_CONNECT_CLIENT_METADATA_CA_FILE")]
    pub client_metadata_ca_file: Option<PathBuf>,

    /// The `agent-connect` build the /connect page offers an agent that lacks the command-line
    /// client (served at /download/agent-connect with its SHA-256). Default: this server's own
    /// executable, which is also the client.
    #[arg(long, env = "AGENT_CONNECT_CLI_BINARY")]
    pub cli_binary: Option<PathBuf>,

    /// Client id a resource server uses to call the introspection endpoint.
    #[arg(
        long,
        env = "AGENT_CONNECT_RESOURCE_CLIENT_ID",
        requires = "resource_client_secret"
    )]
    pub resource_client_id: Option<String>,

    /// Secret of that client.
    #[arg(
        long,
        env = "AGENT_CONNECT_RESOURCE_CLIENT_SECRET",
        hide_env_values = true
    )]
    pub resource_client_secret: Option<String>,

    /// Attempts per minute per client address for each sensitive action (sign-in, code
    /// generation, code redemption). Bursts up to the same number are allowed.
    #[arg(
        long,
        env = "AGENT_CONNECT_RATE_LIMIT_PER_MINUTE",
        default_value_t = 10
    )]
    pub rate_limit_per_minute: u32,

    /// Client registrations and device authorizations per minute from all addresses
    /// together: both store a row for a caller nobody has authenticated yet.
    #[arg(
        long,
        env = "AGENT_CONNECT_UNAUTHENTICATED_WRITES_PER_MINUTE",
        default_value_t = 600
    )]
    pub unauthenticated_writes_per_minute: u32,

    /// Largest request body, in bytes, on every route (forms, server functions, OAuth
    /// endpoints, MCP). A larger one is answered 413.
    #[arg(long, env = "AGENT_CONNECT_MAX_BODY_BYTES", default_value_t = 65_536)]
    pub max_body_bytes: usize,

    /// Live `/mcp/agent` sessions that have not authenticated yet, per client address
    /// (IPv6 per /64). Beyond it a new session is refused with 429.
    #[arg(
        long,
        env = "AGENT_CONNECT_MCP_AGENT_SESSIONS_PER_ADDRESS",
        default_value_t = 16
    )]
    pub mcp_agent_sessions_per_address: usize,

    /// Live `/mcp/agent` sessions that have not authenticated yet, from all addresses
    /// together. Beyond it a new session is refused with 503.
    #[arg(
        long,
        env = "AGENT_CONNECT_MCP_AGENT_SESSIONS_TOTAL",
        default_value_t = 1_000
    )]
    pub mcp_agent_sessions_total: usize,

    /// Seconds an `/mcp/agent` session that has not authenticated may stay idle before it is
    /// closed. Authenticated sessions live as long as their access token.
    #[arg(
        long,
        env = "AGENT_CONNECT_MCP_AGENT_IDLE_SECONDS",
        default_value_t = 120
    )]
    pub mcp_agent_idle_seconds: u64,

    /// Days security events are kept, and dead grants and unused client registrations
    /// before they are deleted.
    #[arg(long, env = "AGENT_CONNECT_RETENTION_DAYS", default_value_t = 90)]
    pub retention_days: i64,

    /// Threads that serve requests. Default: one fewer than the cores, at least one, which
    /// leaves a core to the database connections and password hashing, each on threads of
    /// their own, and to the network stack.
    #[arg(long, env = "AGENT_CONNECT_WORKERS")]
    pub workers: Option<NonZeroUsize>,
}

/// The default number of request-serving threads on `cores` cores: one fewer, at least one.
///
/// Requests never wait on the database or on a password hash in these threads: SQLite
/// connections and hashing have threads of their own. On two cores, two serving threads
/// competed with those and with the network stack for both cores and were preempted about
/// 19,000 times a second under load, which spread a Bearer-checked call's latency (p99
/// 5.0 ms against p50 1.5 ms); one thread on a core of its own kept p99 near 3 ms.
pub fn workers_for(cores: usize) -> usize {
    cores.saturating_sub(1).max(1)
}

/// What `Debug` shows for a secret that is set.
const REDACTED: &str = "<redacted>";

/// The database URL without its password, if it has one.
fn database_url_for_logs(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some(REDACTED));
            parsed.to_string()
        }
        Ok(_) => url.to_owned(),
        Err(_) => REDACTED.to_owned(),
    }
}

impl std::fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("database_url", &database_url_for_logs(&self.database_url))
            .finish()
    }
}

impl std::fmt::Debug for ServeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeConfig")
            .field("database", &self.database)
            .field("bind", &self.bind)
            .field("public_url", &self.public_url.as_str())
            .field("scopes_file", &self.scopes_file)
            .field("signup", &self.signup)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("resource_client_id", &self.resource_client_id)
            .field(
                "resource_client_secret",
                &self.resource_client_secret.as_ref().map(|_| REDACTED),
            )
            .field("rate_limit_per_minute", &self.rate_limit_per_minute)
            .field("workers", &self.workers)
            .finish()
    }
}

impl ServeConfig {
    /// The documented defaults, on the given database.
    pub fn defaults(database_url: &str) -> Self {
        Self {
            database: DatabaseConfig {
                database_url: database_url.into(),
            },
            bind: "127.0.0.1:3000".parse().expect("valid address"),
            public_url: "http://127.0.0.1:3000".parse().expect("valid URL"),
            site_root: "target/site".into(),
            scopes_file: None,
            signup: true,
            trusted_proxies: Vec::new(),
            metrics_token: None,
            client_metadata_ca_file: None,
            cli_binary: None,
            resource_client_id: None,
            resource_client_secret: None,
            rate_limit_per_minute: 10,
            unauthenticated_writes_per_minute: 600,
            max_body_bytes: 65_536,
            mcp_agent_sessions_per_address: 16,
            mcp_agent_sessions_total: 1_000,
            mcp_agent_idle_seconds: 120,
            retention_days: 90,
            workers: None,
        }
    }

    /// How many threads serve requests: [`Self::workers`] if set, else [`workers_for`] the
    /// cores this process may use.
    pub fn worker_threads(&self) -> usize {
        self.workers.map_or_else(
            || {
                workers_for(
                    std::thread::available_parallelism()
                        .map(NonZeroUsize::get)
                        .unwrap_or(1),
                )
            },
            NonZeroUsize::get,
        )
    }

    /// How long security events, dead grants and unused registrations are kept, in seconds.
    pub fn retention_seconds(&self) -> i64 {
        self.retention_days.max(1) * 86_400
    }

    /// The public URL without a trailing slash, ready to have paths appended.
    pub fn public_base(&self) -> String {
        self.public_url.as_str().trim_end_matches('/').to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_core_is_left_to_the_threads_of_their_own() {
        assert_eq!(workers_for(1), 1);
        assert_eq!(workers_for(2), 1);
        assert_eq!(workers_for(8), 7);
        assert_eq!(workers_for(0), 1);
    }

    #[test]
    fn a_set_worker_count_is_used_as_given() {
        let mut config = ServeConfig::defaults("sqlite::memory:");
        assert!(config.worker_threads() >= 1);
        config.workers = NonZeroUsize::new(3);
        assert_eq!(config.worker_threads(), 3);
    }
}
