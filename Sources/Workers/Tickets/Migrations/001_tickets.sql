-- Tickets for sale. `order_id` is the order holding the ticket (reserved) or NULL (free);
-- `version` goes up by one with every change and travels in ticket:created / ticket:updated,
-- so replicas apply those events in order.
CREATE TABLE tickets.tickets (
    id uuid PRIMARY KEY,
    -- Length rules are the worker's (it counts characters as people see them); the table
    -- only refuses what can never be right.
    title text NOT NULL CHECK (title <> ''),
    price_cents int8 NOT NULL CHECK (price_cents > 0 AND price_cents <= 100000000),
    user_id uuid NOT NULL,
    order_id uuid,
    version int NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tickets_user_id ON tickets.tickets (user_id);

-- The last version of each order whose events this service applied. Order events arrive on
-- two streams and can come out of order; this is what the version gate compares against.
CREATE TABLE tickets.order_versions (
    order_id uuid PRIMARY KEY,
    version int NOT NULL
);
