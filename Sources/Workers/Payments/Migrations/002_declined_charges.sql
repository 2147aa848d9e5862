-- How many charges for the order the provider declined. The idempotency key of the next
-- charge includes it, so a payer can try another card after a decline (the provider keeps a
-- declined answer under its key), while any other outcome keeps the key and a repeat of an
-- unconfirmed charge can never become a second one.
ALTER TABLE payments.orders ADD COLUMN declined_charges integer NOT NULL DEFAULT 0;
