#!/usr/bin/env bash
# Fails when a test run left a throwaway server or temp dir behind: the test support promises
# to remove every one at exit.
set -euo pipefail
tmp="${TMPDIR:-/tmp}"
tmp="${tmp%/}"
sleep 2  # watchdogs notice their test process is gone within a second
dirs=$(find "$tmp" -maxdepth 1 \( -name 'ticketing-redis-*' -o -name 'ticketing-postgres-*' -o -name 'ticketing-run-*' \) 2>/dev/null || true)
procs=""
# Both servers chdir into their throwaway folder, so a leftover shows in its working directory.
for pid in $(pgrep -x redis-server || true) $(pgrep -x postgres || true); do
    cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null || true)
    case "$cwd" in "$tmp/ticketing-redis-"* | "$tmp/ticketing-postgres-"*) procs+="$pid $cwd"$'\n' ;; esac
done
if [ -n "$dirs" ] || [ -n "$procs" ]; then
    echo "test run left these behind:" >&2
    [ -n "$dirs" ] && echo "$dirs" >&2
    [ -n "$procs" ] && echo "$procs" >&2
    exit 1
fi
echo "no servers or temp dirs left behind"
