#!/usr/bin/env bash
# Installs the system packages the fleet builds and runs with, if any is missing:
# the hiredis and libpq headers for our two clients, the Redis and PostgreSQL servers
# that the tests start themselves, and libcurl, which Foundation's URLSession loads at run
# time (libFoundationNetworking.so links libcurl.so.4; the payments worker calls Stripe).
set -euo pipefail

packages=(
    pkg-config libhiredis-dev libpq-dev libssl-dev libcurl4
    redis-server redis-tools
    postgresql postgresql-contrib
)

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "installing: ${missing[*]}"
$sudo apt-get update
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
