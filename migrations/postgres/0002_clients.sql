-- OAuth clients registered dynamically (RFC 7591). Public clients have no secret; a
-- confidential client's secret is stored only as SHA-256. Lists are space-separated.

CREATE TABLE clients (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    secret_hash   TEXT,
    redirect_uris TEXT NOT NULL,
    grant_types   TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
