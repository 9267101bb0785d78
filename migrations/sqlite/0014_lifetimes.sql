-- Lifetimes chosen when a code is issued: how long the grant lasts (NULL: until revoked, kept
-- alive by refreshes) and how long its high-risk scopes stay active before the grant falls
-- back to the others (NULL: as long as the grant). A grant keeps both: `ends_at`, which no
-- refresh moves, and `high_risk_until`, which the person can renew for another
-- `high_risk_lifetime`.

ALTER TABLE agent_codes ADD COLUMN lifetime BIGINT;
ALTER TABLE agent_codes ADD COLUMN high_risk_lifetime BIGINT;
ALTER TABLE grants ADD COLUMN ends_at BIGINT;
ALTER TABLE grants ADD COLUMN high_risk_lifetime BIGINT;
ALTER TABLE grants ADD COLUMN high_risk_until BIGINT;
