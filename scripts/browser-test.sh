#!/usr/bin/env bash
# The web pages' browser story: a real headless Chromium driven by Selenium against the fleet
# as real processes (Tests/EndToEndTests/BrowserStoryTests.swift runs Tests/Browser/story.py).
# Installs what it needs if missing (Debian's chromium and chromium-driver; selenium from PyPI
# into .venv-browser), builds the tests if needed, and runs them. Screenshots of every step go
# to Tests/Browser/screenshots/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
missing=()
for package in chromium chromium-driver python3-venv; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    $sudo apt-get update
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

# Debian's python3 (which python3-venv serves), not whichever python3 is first on PATH.
venv=.venv-browser
if ! "$venv/bin/python" -c "import selenium" 2>/dev/null; then
    /usr/bin/python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "selenium>=4.10,<5"
fi

rm -rf Tests/Browser/screenshots
BROWSER_STORY=1 BROWSER_PYTHON="$PWD/$venv/bin/python" ${SWIFT:-swift} test --filter BrowserStoryTests
echo "screenshots: Tests/Browser/screenshots/"
