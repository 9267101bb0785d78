//! `/mcp/agent` sessions kept in the database, so that any instance behind a round-robin load
//! balancer can serve any session. rmcp rebuilds a session it does not hold in memory from
//! what [`SharedSessions`] stored (the client's `initialize` parameters) by replaying the
//! handshake; the grant an authenticated session acts for is in the same row
//! ([`crate::server::db::mcp_sessions`]), so the rebuilt session is as authorized as before.

use rmcp::transport::streamable_http_server::session::store::{
    SessionState, SessionStore, SessionStoreError,
};

use crate::server::app::state::AppState;
use crate::server::db::mcp_sessions::{self, SessionKey};

/// rmcp's session store on the `mcp_sessions` table.
pub struct SharedSessions {
    state: AppState,
}

impl SharedSessions {
    pub fn new(state: AppState) -> Self {
        Self { state }
    }
}

#[async_trait::async_trait]
impl SessionStore for SharedSessions {
    async fn load(&self, session_id: &str) -> Result<Option<SessionState>, SessionStoreError> {
        let Some(params) =
            mcp_sessions::find_params(&self.state.db, &SessionKey::of(session_id)).await?
        else {
            return Ok(None);
        };
        Ok(Some(SessionState::new(serde_json::from_str(&params)?)))
    }

    async fn store(&self, session_id: &str, state: &SessionState) -> Result<(), SessionStoreError> {
        let params = serde_json::to_string(&state.initialize_params)?;
        mcp_sessions::save(
            &self.state.db,
            &SessionKey::of(session_id),
            &params,
            self.state.now(),
        )
        .await?;
        Ok(())
    }

    async fn delete(&self, session_id: &str) -> Result<(), SessionStoreError> {
        mcp_sessions::delete(&self.state.db, &SessionKey::of(session_id)).await?;
        Ok(())
    }
}
