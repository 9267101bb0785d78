-- RFC 8628 device authorization requests. The device code is stored only as SHA-256 hex; the
-- user code is stored normalized (8 letters, no dash) and is unique among live requests, which
-- the insert checks. `poll_interval` (not `interval`, a keyword in PostgreSQL) grows by 5 s on
-- every slow_down. A request is decided once (approved_at or denied_at) and its tokens are
-- handed out once (used_at).

CREATE TABLE device_codes (
    device_code_hash TEXT PRIMARY KEY,
    user_code        TEXT NOT NULL,
    client_id        TEXT NOT NULL,
    scopes           TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    poll_interval    BIGINT NOT NULL,
    last_polled_at   BIGINT,
    user_id          TEXT REFERENCES users (id) ON DELETE CASCADE,
    approved_at      BIGINT,
    denied_at        BIGINT,
    used_at          BIGINT,
    grant_id         TEXT
);
CREATE INDEX device_codes_user_code ON device_codes (user_code, expires_at);
CREATE INDEX device_codes_expires_at ON device_codes (expires_at);
