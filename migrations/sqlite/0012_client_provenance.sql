-- Where a client's identity comes from. `registered`: dynamic registration (RFC 7591), its
-- name self-declared. `metadata_document`: a Client ID Metadata Document, the client id being
-- the document's https URL; the row caches the validated document until
-- `metadata_expires_at` (unix seconds) and is refreshed from the URL after that.
-- `application_type` is the registration's `web` or `native` (OpenID Connect Dynamic Client
-- Registration 1.0, section 2), as given or inferred from the redirect URIs.

ALTER TABLE clients ADD COLUMN origin TEXT NOT NULL DEFAULT 'registered';
ALTER TABLE clients ADD COLUMN application_type TEXT NOT NULL DEFAULT 'web';
ALTER TABLE clients ADD COLUMN metadata_expires_at BIGINT;
UPDATE clients SET application_type = 'native' WHERE redirect_uris LIKE '%http://127.%'
    OR redirect_uris LIKE '%http://localhost%' OR redirect_uris LIKE '%http://[::1]%';
