-- When the row was written (close to its commit), on the database's clock: the relay publishes only rows that
-- their worker has not published for a while (it normally publishes them itself, right after
-- the commit), and the workers' clocks play no part in that.
ALTER TABLE messaging.outbox ADD COLUMN created_at timestamptz NOT NULL DEFAULT clock_timestamp();
