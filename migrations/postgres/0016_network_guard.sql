-- Protection the person can ask for when issuing a code: the grant is paused, and the person
-- told, when it is used from a network other than the one it was redeemed from. A code asks
-- with `guard_network` = 1; its grant keeps `home_network` (an IPv4 /24 or IPv6 /48), NULL when
-- unguarded. Pausing on a new network moves `home_network` there, so resuming accepts it.

ALTER TABLE agent_codes ADD COLUMN guard_network BIGINT NOT NULL DEFAULT 0;
ALTER TABLE grants ADD COLUMN home_network TEXT;
