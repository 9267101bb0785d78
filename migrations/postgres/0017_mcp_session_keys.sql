-- `/mcp/agent` sessions are keyed by the SHA-256 of their `Mcp-Session-Id` from now on: an
-- authorized session id is a bearer secret, and the table no longer holds any. Rows keyed by
-- a raw id can never be found again, so they go; their clients start a new session.
DELETE FROM mcp_sessions;
