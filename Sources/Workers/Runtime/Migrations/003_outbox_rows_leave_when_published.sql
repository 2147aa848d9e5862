-- A published event's row is deleted, not marked: a delete writes no new row version and no
-- index entries, and leaves nothing to prune. What is left in the outbox is what is still to
-- be published.
DELETE FROM messaging.outbox WHERE published_at IS NOT NULL;
ALTER TABLE messaging.outbox DROP COLUMN published_at;
CREATE INDEX outbox_pending ON messaging.outbox (service, id);
-- Inbox rows arrive in processed_at order, so a BRIN index serves the prune at almost no cost
-- per insert, where a B-tree took an index entry for every message handled.
DROP INDEX messaging.inbox_processed_at;
CREATE INDEX inbox_processed_at ON messaging.inbox USING brin (processed_at);
