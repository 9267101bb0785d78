-- Portal sessions, in the table tower-sessions' PostgreSQL store reads, in the connection's
-- current schema (created here rather than by the store, so that instances starting together
-- never race to create it).
CREATE TABLE IF NOT EXISTS sessions (
    id          TEXT PRIMARY KEY NOT NULL,
    data        BYTEA NOT NULL,
    expiry_date TIMESTAMPTZ NOT NULL
);

-- A device user code is unique among stored requests, enforced by the index rather than by a
-- check before the insert: under concurrent writers only the index holds. A new request may
-- take over the row of an expired one with the same code.
DROP INDEX device_codes_user_code;
CREATE UNIQUE INDEX device_codes_user_code ON device_codes (user_code);
