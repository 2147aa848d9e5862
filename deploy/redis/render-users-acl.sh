#!/bin/sh
# Writes the fleet's Redis ACL file from users.acl.template and the environment, then runs
# redis-server with it and any arguments given. compose.yaml runs Redis this way; passwords
# come from REDIS_PASSWORD_API, REDIS_PASSWORD_AUTH, … (no defaults: a missing one stops here).
#
#   render-users-acl.sh TEMPLATE OUTPUT [redis-server arguments…]
#   render-users-acl.sh TEMPLATE -          # prints the file instead (for a Kubernetes Secret)
set -eu
template=$1
output=$2
shift 2
prefix=${KEY_PREFIX:-ticketing}
case "$prefix" in *[!A-Za-z0-9_.-]*) echo "render-users-acl: KEY_PREFIX=$prefix has characters this script does not quote" >&2; exit 1 ;; esac
content=$(cat "$template")
content=$(printf '%s\n' "$content" | sed "s/{{PREFIX}}/$prefix/g")
for user in API AUTH TICKETS ORDERS EXPIRATION PAYMENTS ADMIN KEDA; do
    eval "password=\${REDIS_PASSWORD_$user:-}"
    # KEDA runs only on Kubernetes: elsewhere its user gets a password nobody knows.
    if [ "$user" = KEDA ] && [ -z "$password" ]; then password=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n'); fi
    # shellcheck disable=SC2154  # set by the eval above
    case "$password" in
        "") echo "render-users-acl: REDIS_PASSWORD_$user is not set" >&2; exit 1 ;;
        *[!A-Za-z0-9_.-]*) echo "render-users-acl: REDIS_PASSWORD_$user may hold only letters, digits and _.- (e.g. openssl rand -hex 24)" >&2; exit 1 ;;
    esac
    content=$(printf '%s\n' "$content" | sed "s/{{${user}_PASSWORD}}/$password/g")
done
umask 077
if [ "$output" = - ]; then
    printf '%s\n' "$content" | grep -v '^#' | grep -v '^$'
    exit 0
fi
printf '%s\n' "$content" | grep -v '^#' | grep -v '^$' > "$output"
# The official image's entrypoint runs redis-server as the redis account, which must read it.
if [ "$(id -u)" = 0 ] && id redis >/dev/null 2>&1; then chown redis:redis "$output"; fi
if command -v docker-entrypoint.sh >/dev/null 2>&1; then
    exec docker-entrypoint.sh redis-server --aclfile "$output" "$@"
fi
exec redis-server --aclfile "$output" "$@"
