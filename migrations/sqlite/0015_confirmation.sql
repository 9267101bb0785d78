-- High-risk scopes wait for the person. A code that grants one says how long its grant may
-- wait for the person's approval (`confirm_within`); the grant it becomes keeps its high-risk
-- scopes inactive until `pending_until` is cleared by an approval, and is revoked if that time
-- passes first. The grant also keeps what redeemed it, for the person to recognise: the
-- client software it named and its address.

ALTER TABLE agent_codes ADD COLUMN confirm_within BIGINT;
ALTER TABLE grants ADD COLUMN pending_until BIGINT;
ALTER TABLE grants ADD COLUMN client_software TEXT;
ALTER TABLE grants ADD COLUMN redeemed_ip TEXT;
CREATE INDEX grants_pending_until ON grants (pending_until);
