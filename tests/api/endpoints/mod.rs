//! The external endpoints through `oneshot` on the router: each endpoint's contract, its
//! refusals, and the layers every request passes, without a socket.

mod authorize;
mod device_authorization;
mod download;
mod introspect;
mod metadata;
mod register;
mod revoke;
mod token;
mod web;

use agent_connect::lifetime::Lifetimes;
use agent_connect::server::db::users;
use agent_connect::server::domain::Actor;
use agent_connect::server::domain::agent_code::{self, CodeRequest};
use serde_json::Value;

use crate::support::oneshot::TestApp;
use crate::support::{AGENT_CODE_GRANT, rows};

/// The account `ada`, created on first use.
pub async fn ada(app: &TestApp) -> String {
    let db = &app.state.db;
    match users::find_by_email(db, "ada@example.com").await.unwrap() {
        Some(user) => user.id.into_string(),
        None => rows::user(db, "ada", app.state.now())
            .await
            .id
            .into_string(),
    }
}

/// A fresh agent auth code of `scopes` for `ada`, issued as /connect issues it.
pub async fn agent_code(app: &TestApp, scopes: &[&str]) -> String {
    let user_id = ada(app).await;
    let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
    let (code, _) = agent_code::issue(
        &app.state.db,
        &app.state.catalogue,
        Actor {
            user_id: &user_id.as_str().into(),
            addr: Some([127, 0, 0, 1].into()),
            at: app.state.now(),
        },
        CodeRequest {
            scopes: scopes.into(),
            agent_name: Some("Claude Code".into()),
            lifetimes: Lifetimes::UNLIMITED,
            guard_network: false,
        },
    )
    .await
    .unwrap();
    code.display()
}

/// A token pair for `ada`'s agent, from redeeming a fresh code of `quote`.
pub async fn tokens(app: &TestApp) -> Value {
    let code = agent_code(app, &["quote"]).await;
    let answer = app
        .post_form(
            "/oauth2/token",
            &[("grant_type", AGENT_CODE_GRANT), ("code", &code)],
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    answer.json()
}
