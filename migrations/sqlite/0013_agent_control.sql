-- Each agent's page. The person can pause a grant (its tokens are refused, its refresh token
-- kept for when it resumes) and rename it; "last used" gains the address it came from; and
-- what the agent did (tool calls, refreshes, the person's changes) is kept per grant and
-- minute in grant_activity, pruned after a week.

ALTER TABLE grants ADD COLUMN paused_at BIGINT;
ALTER TABLE grants ADD COLUMN last_used_ip TEXT;

CREATE TABLE grant_activity (
    grant_id  TEXT NOT NULL REFERENCES grants (id) ON DELETE CASCADE,
    kind      TEXT NOT NULL,
    name      TEXT NOT NULL,
    minute    BIGINT NOT NULL,
    calls     BIGINT NOT NULL,
    client_ip TEXT,
    first_at  BIGINT NOT NULL,
    last_at   BIGINT NOT NULL,
    PRIMARY KEY (grant_id, kind, name, minute)
);
CREATE INDEX grant_activity_last_at ON grant_activity (last_at);
