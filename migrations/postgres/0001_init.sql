-- Accounts, one-time agent auth codes, grants, their tokens and the security log.
-- Portable SQL: the PostgreSQL migrations use the same numbering and the same statements.
-- Times are unix seconds; codes and tokens are stored only as SHA-256 hex.

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE TABLE agent_codes (
    code_hash  TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scopes     TEXT NOT NULL,
    agent_name TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT,
    grant_id   TEXT
);
CREATE INDEX agent_codes_expires_at ON agent_codes (expires_at);

CREATE TABLE grants (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id    TEXT NOT NULL,
    agent_name   TEXT NOT NULL,
    scopes       TEXT NOT NULL,
    granted_via  TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    expires_at   BIGINT NOT NULL,
    revoked_at   BIGINT
);
CREATE INDEX grants_user_id ON grants (user_id, revoked_at);

CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY,
    grant_id   TEXT NOT NULL REFERENCES grants (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT,
    revoked_at BIGINT
);
CREATE INDEX tokens_grant_id ON tokens (grant_id);

CREATE TABLE security_events (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    detail     TEXT NOT NULL,
    client_ip  TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX security_events_user_id ON security_events (user_id, created_at);
