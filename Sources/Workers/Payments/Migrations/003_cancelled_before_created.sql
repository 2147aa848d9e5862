-- An order:cancelled can arrive before its order:created (two streams). The replica then
-- keeps the cancellation at once, as a row without owner and price; the late creation fills
-- those in and leaves the status and version alone.
ALTER TABLE payments.orders ALTER COLUMN user_id DROP NOT NULL;
ALTER TABLE payments.orders ALTER COLUMN price_cents DROP NOT NULL;
