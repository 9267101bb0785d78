-- `/mcp/agent` sessions, so that any instance can serve any session (MCP transports,
-- "Session Management"): the client's `initialize` parameters, replayed to rebuild the session
-- on another instance, and, once `authenticate` succeeded, the grant the session acts for.
-- Unauthenticated rows are pruned after an hour, the others when their grant ends.

CREATE TABLE mcp_sessions (
    id                TEXT PRIMARY KEY,
    initialize_params TEXT NOT NULL,
    grant_id          TEXT REFERENCES grants (id) ON DELETE CASCADE,
    created_at        BIGINT NOT NULL
);
CREATE INDEX mcp_sessions_created_at ON mcp_sessions (created_at);
CREATE INDEX mcp_sessions_grant_id ON mcp_sessions (grant_id);
