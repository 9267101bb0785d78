//! Rows a test needs to exist first, written with the table modules' own `insert`. Each row
//! is built in one function, so a change to a row's shape is made here once.

use agent_connect::grant_type::GrantTypes;
use agent_connect::scopes::Scopes;
use agent_connect::server::db::Pool;
use agent_connect::server::db::agent_codes::AgentCodeRow;
use agent_connect::server::db::authorization_codes::AuthorizationCode;
use agent_connect::server::db::clients::{self, ApplicationType, Client, ClientOrigin};
use agent_connect::server::db::device_codes::DeviceCodeRow;
use agent_connect::server::db::grants::{self, Grant, GrantedVia};
use agent_connect::server::db::tokens::{self, TokenKind};
use agent_connect::server::db::users::{self, User};
use agent_connect::server::domain::redirect_uris::RedirectUris;
use agent_connect::server::domain::secrets::{
    ACCESS_PREFIX, REFRESH_PREFIX, REFRESH_TTL, hash, new_secret,
};

/// Scopes every row below is made with.
pub const SCOPES: &str = "quote account.read";
/// The PKCE challenge of the authorization codes below (RFC 7636 appendix B).
pub const CODE_CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
/// Where the clients below send people back to.
pub const REDIRECT: &str = "http://127.0.0.1:8976/callback";

/// An account `usr_{name}` with the email `{name}@example.com` (and no usable password).
pub fn user_row(name: &str, now: i64) -> User {
    User {
        id: format!("usr_{name}").into(),
        email: format!("{name}@example.com"),
        password_hash: "$argon2id$not-a-real-hash".into(),
        created_at: now,
    }
}

pub async fn user(db: &Pool, name: &str, now: i64) -> User {
    let user = user_row(name, now);
    users::insert(db, &user).await.expect("insert user");
    user
}

/// A client registered for `grant_types` (space-separated), confidential when it has a
/// `secret`, with [`REDIRECT`] as its one redirect URI.
pub fn client_row(id: &str, grant_types: &str, secret: Option<&str>, now: i64) -> Client {
    Client {
        id: id.into(),
        name: format!("{id} app"),
        secret_hash: secret.map(hash),
        redirect_uris: RedirectUris::new(vec![REDIRECT.into()]).expect("redirect URI"),
        grant_types: GrantTypes::parse(grant_types).expect("grant types"),
        created_at: now,
        origin: ClientOrigin::Registered,
        application_type: ApplicationType::Native,
        metadata_expires_at: None,
    }
}

pub async fn client(db: &Pool, id: &str, grant_types: &str, now: i64) -> Client {
    let client = client_row(id, grant_types, None, now);
    clients::insert(db, &client).await.expect("insert client");
    client
}

/// A live grant of [`SCOPES`] to an agent, made by redeeming an agent auth code at `now`.
pub fn grant_row(id: &str, user_id: &str, now: i64) -> Grant {
    Grant {
        id: id.into(),
        user_id: user_id.into(),
        client_id: format!("agent_{id}").into(),
        agent_name: format!("Agent {id}"),
        scopes: Scopes::parse(SCOPES),
        granted_via: GrantedVia::AgentCode,
        created_at: now,
        last_used_at: None,
        expires_at: now + REFRESH_TTL,
        revoked_at: None,
        resource: None,
        paused_at: None,
        last_used_ip: None,
        ends_at: None,
        high_risk_lifetime: None,
        high_risk_until: None,
        pending_until: None,
        client_software: None,
        redeemed_ip: None,
        home_network: None,
    }
}

pub async fn grant(db: &Pool, id: &str, user_id: &str, now: i64) -> Grant {
    let grant = grant_row(id, user_id, now);
    grants::insert(db, &grant).await.expect("insert grant");
    grant
}

/// Stores a fresh token of `kind` for a grant; returns the token (only its hash is stored).
pub async fn token(
    db: &Pool,
    grant_id: &str,
    kind: TokenKind,
    now: i64,
    expires_at: i64,
) -> String {
    let token = new_secret(match kind {
        TokenKind::Access => ACCESS_PREFIX,
        TokenKind::Refresh => REFRESH_PREFIX,
    });
    tokens::insert(db, &hash(&token), grant_id, kind, now, expires_at)
        .await
        .expect("insert token");
    token
}

/// An agent auth code of [`SCOPES`] issued at `now` for five minutes.
pub fn agent_code_row(code_hash: &str, user_id: &str, now: i64) -> AgentCodeRow {
    AgentCodeRow {
        code_hash: code_hash.into(),
        user_id: user_id.into(),
        scopes: Scopes::parse(SCOPES),
        agent_name: Some("Claude Code".into()),
        created_at: now,
        expires_at: now + 300,
        lifetime: None,
        high_risk_lifetime: None,
        confirm_within: None,
        guard_network: 0,
    }
}

/// An authorization code of [`SCOPES`] issued at `now` for sixty seconds.
pub fn authorization_code_row(
    code_hash: &str,
    client_id: &str,
    user_id: &str,
    now: i64,
) -> AuthorizationCode {
    AuthorizationCode {
        code_hash: code_hash.into(),
        client_id: client_id.into(),
        user_id: user_id.into(),
        redirect_uri: REDIRECT.into(),
        code_challenge: CODE_CHALLENGE.into(),
        scopes: Scopes::parse(SCOPES),
        created_at: now,
        expires_at: now + 60,
        used_at: None,
        grant_id: None,
        resource: Some("http://127.0.0.1:3000/mcp".into()),
    }
}

/// A device authorization request of [`SCOPES`] made at `now`: fifteen minutes, polled every
/// five seconds.
pub fn device_code_row(
    device_code_hash: &str,
    user_code: &str,
    client_id: &str,
    now: i64,
) -> DeviceCodeRow {
    DeviceCodeRow {
        device_code_hash: device_code_hash.into(),
        user_code: user_code.into(),
        client_id: client_id.into(),
        scopes: Scopes::parse(SCOPES),
        created_at: now,
        expires_at: now + 900,
        poll_interval: 5,
        last_polled_at: None,
        user_id: None,
        approved_at: None,
        denied_at: None,
        used_at: None,
        grant_id: None,
    }
}
