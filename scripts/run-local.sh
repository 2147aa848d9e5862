#!/usr/bin/env bash
# `make run`: the whole fleet on this machine, in the foreground. Starts Redis and PostgreSQL
# with their data under .data/ (kept between runs), then the service executables, every
# output line prefixed with the name of the process that wrote it. Ctrl-C or SIGTERM stops
# everything and exits 0.
#
#   REDIS_PORT  Redis port on 127.0.0.1 (default 6379)
#   PG_PORT     PostgreSQL port on 127.0.0.1 (default 5432)
#   API_PORT    the HTTP API's port on 127.0.0.1 (default 3000); its /metrics is on the
#               operations port it gets after the workers' (below), never on this one
#   AUTH TICKETS ORDERS EXPIRATION PAYMENTS
#               how many copies of that worker to start (default 1 each; 0 starts none), e.g.
#               `make run ORDERS=3`; copies after the first are named orders-worker.2, .3, …
#   METRICS_PORT_BASE
#               the workers' METRICS_PORT on 127.0.0.1 (their /metrics, /healthz, /readyz):
#               the first worker gets this port, each next process the next (default 9400)
#   POSTGRES_BIN  folder of initdb/postgres (default: the newest /usr/lib/postgresql/*/bin)
#   PASSWORD_SEAL_KEYS
#               the key(s) the API seals passwords to the auth worker with (kid:base64key,…);
#               given to those two only. Unset, they use the marked development key, which the
#               API accepts here because it listens on 127.0.0.1 only.
# shellcheck disable=SC2317  # force and stop_all run from traps, which shellcheck does not follow
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

REDIS_PORT=${REDIS_PORT:-6379}
PG_PORT=${PG_PORT:-5432}
API_PORT=${API_PORT:-3000}
METRICS_PORT_BASE=${METRICS_PORT_BASE:-9400}
data="$repo/.data"
database=ticketing

die() { echo "run-local: $*" >&2; exit 1; }
say() { echo "run-local: $*"; }

for variable in REDIS_PORT PG_PORT API_PORT METRICS_PORT_BASE; do
    port=${!variable}
    if ! [[ "$port" =~ ^[0-9]+$ ]] || [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
        die "$variable=$port is not a port number"
    fi
done
[ "$REDIS_PORT" != "$PG_PORT" ] || die "REDIS_PORT and PG_PORT are both $PG_PORT; give them different ports"

# The service processes to start once Redis and Postgres are up, in this order: each worker
# as many times as its variable says, then the API. Each runs .build/release/<executable>
# (so `make run` needs `make release` first). Every copy of a worker is one more consumer in
# its service's group, so the copies share that service's streams with no other setting.
workers=(auth-worker:AUTH tickets-worker:TICKETS orders-worker:ORDERS expiration-worker:EXPIRATION payments-worker:PAYMENTS)
services=()                  # process names in start order
declare -A executable_of=()  # process name -> executable
declare -A metrics_port=()   # process name -> its METRICS_PORT (the workers', then the API's)
next_metrics_port=$METRICS_PORT_BASE
for entry in "${workers[@]}"; do
    executable=${entry%%:*}
    variable=${entry##*:}
    copies=${!variable:-1}
    if ! [[ "$copies" =~ ^[0-9]+$ ]] || [ "$copies" -gt 32 ]; then
        die "$variable=$copies is not a number of copies of $executable (0 to 32)"
    fi
    for ((copy = 1; copy <= copies; copy++)); do
        name=$executable
        [ "$copy" -eq 1 ] || name="$executable.$copy"
        services+=("$name")
        executable_of[$name]=$executable
        metrics_port[$name]=$next_metrics_port
        next_metrics_port=$((next_metrics_port + 1))
    done
done
services+=(api)
executable_of[api]=api
metrics_port[api]=$next_metrics_port
next_metrics_port=$((next_metrics_port + 1))
[ "$next_metrics_port" -le 65536 ] || die "METRICS_PORT_BASE=$METRICS_PORT_BASE leaves too few ports for ${#metrics_port[@]} workers; choose a lower one"
for name in "${!metrics_port[@]}"; do
    case "${metrics_port[$name]}" in
        "$REDIS_PORT" | "$PG_PORT" | "$API_PORT")
            die "$name's metrics port ${metrics_port[$name]} is also Redis's, Postgres's or the API's; choose another METRICS_PORT_BASE" ;;
    esac
done

"$repo/scripts/install-prerequisites.sh"

# --- processes ---------------------------------------------------------------------------

declare -A pids=()   # name -> pid of every long-running process, to stop at exit
order=()             # names in start order; stopped in reverse
prefixers=()         # the prefixing filters, waited for so the last lines are not lost

# Every label has the width of the longest name, so the lines' text starts in one column.
width=8
for name in "${services[@]}"; do [ "${#name}" -le "$width" ] || width=${#name}; done

# Copies stdin to stdout with `name | ` before each line. It ignores the stop signals and ends
# when its process closes the pipe, so a server's shutdown lines still show.
prefix() {
    trap '' INT TERM HUP
    exec sed -u "s/^/$(printf '%-*s' "$width" "$1") | /"
}

# start_in DIR NAME COMMAND...: runs COMMAND in DIR in the background, with prefixed output.
# It gets its own session, so a Ctrl-C in the terminal reaches only this script, which then
# stops each process the way that process wants to be stopped.
start_in() {
    local dir=$1 name=$2 out
    shift 2
    exec {out}> >(prefix "$name")
    prefixers+=($!)
    (cd "$dir" && exec setsid "$@") </dev/null >&"$out" 2>&1 {out}>&- &
    pids[$name]=$!
    order+=("$name")
    exec {out}>&-
}

# The signal that stops a process cleanly: SIGINT is postgres's fast shutdown (sessions rolled
# back, a checkpoint, exit); Redis and the services stop on SIGTERM. A second Ctrl-C while
# stopping forces: SIGQUIT is postgres's immediate shutdown (recovery at the next start), and
# a killed Redis loses nothing, since every write is fsynced to the AOF before it is answered.
stop_signal() { case "$1" in postgres) echo INT ;; *) echo TERM ;; esac; }
force_signal() { case "$1" in postgres) echo QUIT ;; *) echo KILL ;; esac; }

force() {
    local name
    say "forcing the rest to stop"
    for name in "${!pids[@]}"; do kill -s "$(force_signal "$name")" "${pids[$name]}" 2>/dev/null || true; done
}

wait_for() {
    # wait returns early when a trapped signal arrives, so wait until the process is gone.
    while kill -0 "$1" 2>/dev/null; do wait "$1" 2>/dev/null || true; done
}

stopped=0
stop_all() {
    local i name
    [ "$stopped" -eq 0 ] || return 0
    stopped=1
    trap force INT TERM HUP
    [ ${#order[@]} -eq 0 ] || say "stopping"
    # Services first (they still need Redis and Postgres to finish in-flight work), then the servers.
    for ((i = ${#order[@]} - 1; i >= 0; i--)); do
        name=${order[i]}
        case "$name" in redis | postgres) continue ;; esac
        kill -s "$(stop_signal "$name")" "${pids[$name]}" 2>/dev/null || true
        wait_for "${pids[$name]}"
    done
    for name in postgres redis; do
        [ -n "${pids[$name]:-}" ] || continue
        kill -s "$(stop_signal "$name")" "${pids[$name]}" 2>/dev/null || true
    done
    for name in postgres redis; do [ -z "${pids[$name]:-}" ] || wait_for "${pids[$name]}"; done
    for i in "${prefixers[@]}"; do wait "$i" 2>/dev/null || true; done
    [ ${#order[@]} -eq 0 ] || say "stopped"
}
trap stop_all EXIT
trap 'exit 0' INT TERM HUP

# wait_until_ready NAME COMMAND...: waits until COMMAND succeeds, failing if NAME exits first.
wait_until_ready() {
    local name=$1 waited=0
    shift
    until "$@" >/dev/null 2>&1; do
        kill -0 "${pids[$name]}" 2>/dev/null || die "$name exited while starting; see its lines above"
        sleep 0.2
        waited=$((waited + 1))
        [ $((waited % 50)) -ne 0 ] || say "still waiting for $name (loading its data?)"
    done
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# --- data folders --------------------------------------------------------------------------

mkdir -p "$data/redis"
# One run per data folder: a second Redis on the same AOF would corrupt it. The servers
# inherit the lock, so servers left behind by a killed run still hold it.
exec 9>"$data/run.lock"
flock -n 9 || die "another \`make run\` (or servers it left running) is using $data"

for variable in REDIS_PORT PG_PORT API_PORT; do
    ! port_in_use "${!variable}" \
        || die "port ${!variable} on 127.0.0.1 is in use; choose a free one with $variable, e.g. $variable=$((${!variable} + 1)) make run"
done
for name in "${services[@]}"; do
    [ -n "${metrics_port[$name]:-}" ] || continue
    ! port_in_use "${metrics_port[$name]}" \
        || die "port ${metrics_port[$name]} on 127.0.0.1 (for $name's metrics) is in use; choose other ports with METRICS_PORT_BASE, e.g. METRICS_PORT_BASE=$((METRICS_PORT_BASE + 100)) make run"
done

pgdata="$data/postgres"
as_postgres=()
if [ "$(id -u)" -eq 0 ]; then
    # initdb and postgres refuse to run as root: run them as the postgres account, in a folder
    # it owns. It must be able to reach that folder; when a parent of the repo is closed to
    # it, the cluster lives under /var/tmp instead (named so that scripts/check-leftovers.sh,
    # which looks for /ticketing-*, does not take it for a test's leftover).
    id postgres >/dev/null 2>&1 || die "there is no postgres account to run PostgreSQL as"
    as_postgres=(setpriv --reuid=postgres --regid=postgres --init-groups --)
    chmod a+x "$data"
    if ! "${as_postgres[@]}" test -x "$data"; then
        pgdata="/var/tmp/ticketing.$(printf '%s' "$repo" | sha256sum | cut -c1-12)"
        say "the postgres account cannot reach $data; the PostgreSQL cluster is in $pgdata"
    fi
    mkdir -p "$pgdata"
    chown postgres:postgres "$pgdata"
else
    mkdir -p "$pgdata"
fi
chmod 700 "$pgdata"

# The newest installed PostgreSQL, or the version that made the existing cluster.
if [ -n "${POSTGRES_BIN:-}" ]; then
    pgbin=$POSTGRES_BIN
elif [ -f "$pgdata/PG_VERSION" ]; then
    pgbin="/usr/lib/postgresql/$(cat "$pgdata/PG_VERSION")/bin"
    [ -x "$pgbin/postgres" ] || die "the cluster in $pgdata was made by PostgreSQL $(cat "$pgdata/PG_VERSION"), which is not installed; install it, or remove $pgdata (its data is lost)"
else
    pgbin=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$pgbin" ] || die "no PostgreSQL in /usr/lib/postgresql; run scripts/install-prerequisites.sh"
fi

# A unix socket path must fit in 107 bytes; a deep checkout gets TCP only.
socket_dir=$pgdata
if [ "$(printf '%s' "$socket_dir/.s.PGSQL.$PG_PORT" | wc -c)" -gt 107 ]; then
    say "$pgdata is too deep for a unix socket; PostgreSQL listens on TCP only"
    socket_dir=""
fi

# --- servers -------------------------------------------------------------------------------

# Every write is fsynced to the AOF before Redis answers it, so a command the API accepted
# survives a crash. No RDB snapshots: the AOF is the one copy.
start_in "$data/redis" redis redis-server \
    --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$data/redis" \
    --appendonly yes --appendfsync always --auto-aof-rewrite-min-size 1gb --save "" \
    --daemonize no --logfile ""

if [ ! -f "$pgdata/PG_VERSION" ]; then
    (cd "$pgdata" && "${as_postgres[@]}" "$pgbin/initdb" -D "$pgdata" \
        -U postgres -A trust -E UTF8 --locale=C --no-instructions) 2>&1 | prefix postgres
fi
start_in "$pgdata" postgres "${as_postgres[@]}" "$pgbin/postgres" -D "$pgdata" -p "$PG_PORT" \
    -c listen_addresses=127.0.0.1 -c unix_socket_directories="$socket_dir"

wait_until_ready redis sh -c "[ \"\$(redis-cli -h 127.0.0.1 -p $REDIS_PORT ping)\" = PONG ]"
wait_until_ready postgres pg_isready -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres

psql_admin=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres)
if [ -z "$("${psql_admin[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = '$database'")" ]; then
    "${psql_admin[@]}" -c "CREATE DATABASE $database"
    say "created the database $database"
fi

export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
export DATABASE_URL="postgresql://postgres@127.0.0.1:$PG_PORT/$database"
# This fleet is for this machine: the API listens on 127.0.0.1, where it may sign sessions
# with its development key when JWT_KEY is unset, and payments use the built-in test gateway
# (tok_visa) unless STRIPE_KEY is set; both are refused anywhere else.
export HOST=127.0.0.1
[ -n "${STRIPE_KEY:-}" ] || export PAYMENT_GATEWAY=test

# --- services ------------------------------------------------------------------------------

# Starts every process listed in `services` (top of this file) with REDIS_URL, DATABASE_URL,
# PORT (the API's) and, for a worker, a METRICS_PORT of its own in its environment.
export PORT="$API_PORT"
start_services() {
    local name executable
    for name in "${services[@]}"; do
        executable=${executable_of[$name]}
        [ -x "$repo/.build/release/$executable" ] || die ".build/release/$executable is missing; build it with \`make release\`"
    done
    for name in "${services[@]}"; do
        executable=${executable_of[$name]}
        # Only the API and the auth worker hold the password seal keys.
        local seal=(-u PASSWORD_SEAL_KEYS)
        if [ -n "${PASSWORD_SEAL_KEYS:-}" ] && { [ "$executable" = api ] || [ "$executable" = auth-worker ]; }; then
            seal=(PASSWORD_SEAL_KEYS="$PASSWORD_SEAL_KEYS")
        fi
        if [ -n "${metrics_port[$name]:-}" ]; then
            start_in "$repo" "$name" env "${seal[@]}" METRICS_PORT="${metrics_port[$name]}" "$repo/.build/release/$executable"
        else
            start_in "$repo" "$name" env "${seal[@]}" "$repo/.build/release/$executable"
        fi
    done
}
start_services

# The metrics listeners (the workers' and the API's), one line each, for the banner.
metrics_lines() {
    local name
    for name in "${services[@]}"; do
        [ -n "${metrics_port[$name]:-}" ] || continue
        printf '    %-*s http://127.0.0.1:%s/metrics  (/healthz, /readyz)\n' "$width" "$name" "${metrics_port[$name]}"
    done
}
first_worker=""
for name in "${services[@]}"; do
    if [ -n "${metrics_port[$name]:-}" ]; then first_worker=$name; break; fi
done

cat <<INFO

  API: http://127.0.0.1:$API_PORT    try:
    curl -i -X POST http://127.0.0.1:$API_PORT/api/users/signup \\
         -H 'Content-Type: application/json' -d '{"email":"me@example.com","password":"password123"}'

  REDIS_URL=$REDIS_URL
  DATABASE_URL=$DATABASE_URL

  metrics (Prometheus text):
$(metrics_lines)
$([ -z "$first_worker" ] || echo "    try: curl -s http://127.0.0.1:${metrics_port[$first_worker]}/metrics | head")

  one more copy of a worker, in another terminal (any free METRICS_PORT, or none):
    REDIS_URL=$REDIS_URL DATABASE_URL=$DATABASE_URL \\
        METRICS_PORT=$next_metrics_port .build/release/orders-worker

  look inside:  redis-cli -p $REDIS_PORT
                psql -h 127.0.0.1 -p $PG_PORT -U postgres -d $database

  data in $data$([ "$pgdata" = "$data/postgres" ] || echo " and $pgdata"); Ctrl-C stops everything.

INFO

# Runs until a signal (the traps above stop everything and exit 0) or until a process exits by
# itself, which stops the rest and fails.
status=0
wait -n "${pids[@]}" || status=$?
for name in "${order[@]}"; do
    kill -0 "${pids[$name]}" 2>/dev/null || die "$name exited (status $status); stopping the rest"
done
die "a process exited (status $status); stopping the rest"
