-- The API reads tickets (tickets.tickets) through the role ticketing_api_reader, and nothing
-- else: not auth.users' hashes. The messaging migrations, which every worker runs first, make
-- the role when they may (see messaging/004_api_reader.sql); without it the grants are skipped.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ticketing_api_reader') THEN
        GRANT USAGE ON SCHEMA tickets TO ticketing_api_reader;
        GRANT SELECT ON tickets.tickets TO ticketing_api_reader;
    END IF;
END
$$;
