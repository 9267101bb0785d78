-- Rate limits shared by every instance on this database (used on PostgreSQL; a single SQLite
-- process keeps its buckets in memory). One row per action and client address key: the
-- bucket's theoretical arrival time (GCRA) in microseconds. A row whose time has passed is a
-- full bucket and is pruned.

CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY,
    tat BIGINT NOT NULL
);
CREATE INDEX rate_limits_tat ON rate_limits (tat);
