-- The delivery tables every worker shares: what each consumer group has handled (inbox),
-- and what each service has to publish (outbox). Rows carry the group or service, so one
-- set of tables serves every service in a database, and each service can have a database
-- of its own.
CREATE SCHEMA IF NOT EXISTS messaging;

CREATE TABLE messaging.inbox (
    consumer_group text NOT NULL,
    message_id uuid NOT NULL,
    stream text NOT NULL,
    entry_id text NOT NULL,
    -- A command's reply, sent again when the command is delivered again.
    reply_status integer,
    reply_body text,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_group, message_id)
);
CREATE INDEX inbox_processed_at ON messaging.inbox (processed_at);

CREATE TABLE messaging.outbox (
    id bigserial PRIMARY KEY,
    service text NOT NULL,
    message_id uuid NOT NULL UNIQUE,
    stream text NOT NULL,
    type text NOT NULL,
    data text NOT NULL,
    correlation_id text,
    occurred_at timestamptz NOT NULL,
    published_at timestamptz
);
CREATE INDEX outbox_unpublished ON messaging.outbox (service, id) WHERE published_at IS NULL;
CREATE INDEX outbox_published_at ON messaging.outbox (published_at) WHERE published_at IS NOT NULL;
