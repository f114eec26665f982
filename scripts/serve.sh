#!/usr/bin/env bash
# Run the production server: gunicorn with config/gunicorn.conf.py, static files by whitenoise.
#
# Usage: scripts/serve.sh   (from anywhere; `make serve` first installs what is missing)
#
# Needs SECRET_KEY (and ALLOWED_HOSTS, DATABASE_URL) in the environment; see the README's
# "Production" section. Before starting it applies migrations (a server must not run code newer
# than its tables) and collects the static files (hashed names, gzip and brotli copies) into
# STATIC_ROOT. Then gunicorn replaces this shell, so signals from a supervisor (TERM: graceful
# stop, HUP: reload, TTIN/TTOU: more or fewer workers) reach it directly.
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"

debug="$(printf '%s' "${DEBUG:-false}" | tr '[:upper:]' '[:lower:]')"
if [ -z "${SECRET_KEY:-}" ] && [ "$debug" != "true" ] && [ "$debug" != "1" ]; then
    echo "serve: SECRET_KEY is not set. A production server needs its own random key, e.g." >&2
    echo "  export SECRET_KEY=\"\$($PYTHON -c 'import secrets; print(secrets.token_urlsafe(60))')\"" >&2
    echo "(keep it: changing it logs everyone out). See the README, section Production." >&2
    exit 1
fi

# Their reports go to stderr: stdout carries only the JSON access log.
"$PYTHON" manage.py migrate --noinput >&2
"$PYTHON" manage.py collectstatic --noinput --verbosity 0 >&2

exec "$PYTHON" -m gunicorn --config config/gunicorn.conf.py config.wsgi
