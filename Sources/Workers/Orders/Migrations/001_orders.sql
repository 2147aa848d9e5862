-- The orders service's tables: its replica of the tickets it sells, and the orders.
CREATE SCHEMA IF NOT EXISTS orders;

-- What the tickets service announced, applied in version order (ticket:created, ticket:updated).
CREATE TABLE orders.tickets (
    id uuid PRIMARY KEY,
    title text NOT NULL,
    price_cents int8 NOT NULL,
    version int8 NOT NULL
);

CREATE TABLE orders.orders (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL,
    ticket_id uuid NOT NULL REFERENCES orders.tickets (id),
    status text NOT NULL CHECK (status IN ('created', 'cancelled', 'awaiting:payment', 'complete')),
    expires_at timestamptz NOT NULL,
    version int8 NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- At most one live order per ticket, enforced by the database: a cancelled order lets the
-- ticket go, a complete one keeps it.
CREATE UNIQUE INDEX orders_one_live_order_per_ticket ON orders.orders (ticket_id) WHERE status <> 'cancelled';
-- The reconciler's sweep: live orders by due time.
CREATE INDEX orders_live_by_expiry ON orders.orders (expires_at) WHERE status IN ('created', 'awaiting:payment');
-- The API's "my orders".
CREATE INDEX orders_by_user ON orders.orders (user_id, created_at);
