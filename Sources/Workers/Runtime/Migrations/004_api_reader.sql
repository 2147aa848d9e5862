-- The API reads the commands' outcomes (messaging.inbox) through the role ticketing_api_reader
-- (NOLOGIN; the deployment makes a login role IN ROLE it, see deploy/postgres), and nothing
-- else: not auth.users' hashes. The role is made here if this database user may (the first
-- worker to migrate makes it, before its service's own migrations grant on their tables);
-- without CREATEROLE the deployment must make it before the workers start, or the grants are
-- skipped. A later migration that adds a table the API serves grants it too.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ticketing_api_reader')
       AND (SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        BEGIN
            CREATE ROLE ticketing_api_reader NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL; -- another worker's migration made it at the same moment
        END;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ticketing_api_reader') THEN
        GRANT USAGE ON SCHEMA messaging TO ticketing_api_reader;
        GRANT SELECT ON messaging.inbox TO ticketing_api_reader;
    END IF;
END
$$;
