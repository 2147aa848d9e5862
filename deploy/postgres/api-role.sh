#!/bin/sh
# The API's Postgres login: a member of ticketing_api_reader, which the services' migrations
# grant SELECT on what the API serves (tickets, orders, command outcomes) and nothing else, so
# the API cannot read auth.users' password hashes. compose.yaml runs this once, when the
# Postgres volume is new (/docker-entrypoint-initdb.d); elsewhere run the same SQL as an
# administrator before the workers first start:
#
#   CREATE ROLE ticketing_api_reader NOLOGIN;
#   CREATE ROLE api LOGIN PASSWORD '…' IN ROLE ticketing_api_reader;
set -eu
: "${API_DATABASE_PASSWORD:?API_DATABASE_PASSWORD is not set}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    --set password="$API_DATABASE_PASSWORD" <<'SQL'
CREATE ROLE ticketing_api_reader NOLOGIN;
CREATE ROLE api LOGIN PASSWORD :'password' IN ROLE ticketing_api_reader;
SQL
