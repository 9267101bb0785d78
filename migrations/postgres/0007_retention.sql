-- Indexes for the scheduled pruning of tables that grow with traffic: expired tokens, old
-- security events, dead grants and unused client registrations are deleted by these columns.

CREATE INDEX tokens_expires_at ON tokens (expires_at);
CREATE INDEX security_events_created_at ON security_events (created_at);
CREATE INDEX grants_expires_at ON grants (expires_at);
CREATE INDEX grants_client_id ON grants (client_id);
CREATE INDEX device_codes_client_id ON device_codes (client_id);
