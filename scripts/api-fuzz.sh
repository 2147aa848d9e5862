#!/usr/bin/env bash
# schemathesis against the fleet as real processes (Tests/EndToEndTests/APIFuzzTests.swift):
# every operation of the API's OpenAPI document with generated valid and invalid input, and
# stateful runs along the document's links. Installs schemathesis from PyPI into .venv-fuzz if
# missing, builds the tests if needed, and runs them. FUZZ_EXAMPLES bounds examples per
# operation (default 50).
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv-fuzz
if ! "$venv/bin/schemathesis" --version >/dev/null 2>&1; then
    # Debian's python3 has venv once python3-venv is installed (scripts/browser-test.sh does).
    if ! /usr/bin/python3 -m venv --help >/dev/null 2>&1 || ! dpkg-query -W -f='${Status}' python3-venv 2>/dev/null | grep -q "install ok installed"; then
        sudo=""
        [ "$(id -u)" -ne 0 ] && sudo="sudo"
        $sudo apt-get update
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-venv
    fi
    rm -rf "$venv"
    /usr/bin/python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "schemathesis>=4.3,<5"
fi

API_FUZZ=1 SCHEMATHESIS="$PWD/$venv/bin/schemathesis" ${SWIFT:-swift} test --filter APIFuzzTests
