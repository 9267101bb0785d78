-- Portal sessions, in the table tower-sessions' SQLite store reads (created here rather than by
-- the store, so that instances starting together never race to create it).
CREATE TABLE IF NOT EXISTS sessions (
    id          TEXT PRIMARY KEY NOT NULL,
    data        BLOB NOT NULL,
    expiry_date INTEGER NOT NULL
);

-- A device user code is unique among stored requests, enforced by the index rather than by a
-- check before the insert: under concurrent writers (PostgreSQL) only the index holds. A new
-- request may take over the row of an expired one with the same code; older duplicates,
-- expired by construction, go.
DELETE FROM device_codes
WHERE rowid NOT IN (SELECT MAX(rowid) FROM device_codes GROUP BY user_code);
DROP INDEX device_codes_user_code;
CREATE UNIQUE INDEX device_codes_user_code ON device_codes (user_code);
