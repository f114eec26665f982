#!/usr/bin/env bash
# Install the Debian packages the benchmark (bench/run.py, `make bench`) needs, and only those
# that are missing. Not part of the test set-up: nothing else needs them.
#
# Usage: scripts/bench-deps.sh
set -euo pipefail

PACKAGES=(
    wrk  # the HTTP load generator: req/s and latency percentiles at 1 and 16 connections
)

# The throwaway PostgreSQL server (scripts/pg-throwaway.sh): Debian 12 ships version 15; another
# release may only have the metapackage. Asked for only when no server is installed.
if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
    if apt-cache show postgresql-15 >/dev/null 2>&1; then
        PACKAGES+=(postgresql-15)
    else
        PACKAGES+=(postgresql)
    fi
fi

is_installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = "installed" ]
}

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    echo "bench-deps: not a Debian/apt system; make sure these are installed: ${PACKAGES[*]}" >&2
    exit 0
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
    is_installed "$pkg" || missing+=("$pkg")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "bench-deps: missing ${missing[*]}; run as root: apt-get install ${missing[*]}" >&2
    exit 1
fi

echo "bench-deps: installing ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"
