#!/usr/bin/env bash
# Install the Debian packages the project needs, and only those that are missing.
#
# Quiet when everything is present: `make run` and `make test` call this every time, so it must
# cost nothing on a machine that is already set up. Runs `apt-get update` at most once, and only
# when something is actually missing.
#
# Usage: scripts/system-deps.sh [PYTHON]   (PYTHON: the interpreter the venv will be built from)
set -euo pipefail

# One package per line, with the reason. Append here (e.g. chromium, fonts-noto-cjk, npm).
PACKAGES=(
    gettext  # msgfmt, used by `manage.py compilemessages` to build the .mo catalogs
    nodejs   # runs npm, which installs Apache ECharts (package-lock.json) for the dashboard charts
    chromium  # the browser tests/browser drives with Playwright (no `playwright install`)
    fonts-noto-cjk  # a CJK font, so Chinese renders as characters (not boxes) in the browser
)

# npm installs the pinned ECharts (`make static-deps`). Asked for only when no npm is on the PATH:
# a NodeSource nodejs package bundles npm and conflicts with Debian's separate npm package.
if ! command -v npm >/dev/null 2>&1; then
    PACKAGES+=(npm)  # Debian's npm, for Debian's nodejs
fi

PYTHON="${1:-python3}"

# Debian splits venv/ensurepip out of the interpreter: without python3-venv, `python3 -m venv`
# fails. Ask for it only when the interpreter actually lacks it (pyenv or a source build has it).
if ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    PACKAGES+=(python3-venv)
fi

is_installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = "installed" ]
}

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    echo "system-deps: not a Debian/apt system; make sure these are installed: ${PACKAGES[*]}" >&2
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
    echo "system-deps: missing ${missing[*]}; run as root: apt-get install ${missing[*]}" >&2
    exit 1
fi

echo "system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"
