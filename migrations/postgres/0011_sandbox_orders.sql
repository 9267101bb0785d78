-- The reference resource's sandbox: paper orders, one account per person, kept in the
-- database so that every instance shows the same orders. The market itself is fixed sample
-- data in the code.

CREATE TABLE sandbox_orders (
    id        TEXT PRIMARY KEY,
    user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    symbol    TEXT NOT NULL,
    side      TEXT NOT NULL,
    quantity  BIGINT NOT NULL,
    status    TEXT NOT NULL,
    placed_at BIGINT NOT NULL
);
CREATE INDEX sandbox_orders_user_id ON sandbox_orders (user_id, placed_at);
