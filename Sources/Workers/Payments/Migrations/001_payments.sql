-- What payments knows of orders: a replica kept from order:created and order:cancelled.
-- It needs only who may pay, how much, and whether the order is still payable.
CREATE TABLE payments.orders (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL,
    price_cents int8 NOT NULL CHECK (price_cents > 0),
    status text NOT NULL,
    version integer NOT NULL
);

-- One row per successful charge. The unique order_id is the database's guarantee that an
-- order is paid at most once, whatever the code does.
CREATE TABLE payments.payments (
    id uuid PRIMARY KEY,
    order_id uuid NOT NULL UNIQUE,
    stripe_id text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    -- Set when the order was cancelled after it was paid (the expiry won the race) and the
    -- charge was given back; refund_id is the provider's reference for reconciliation.
    refunded_at timestamptz,
    refund_id text
);
