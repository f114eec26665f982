#!/usr/bin/env bash
# The demo server of `make run`: Django's development server, but with DEBUG off, so it behaves
# as production does (the site's own 404 and 500 pages, static files by whitenoise from
# STATIC_ROOT, which `make run` fills with collectstatic).
#
# Usage: RUN_ADDR=127.0.0.1:8000 scripts/run-demo.sh [runserver options]   (after make run's set-up)
#
# What differs from production, and why:
# - the secret key is generated once into .demo-secret-key (not in git; DEMO_SECRET_KEY_FILE
#   moves it) and kept, so sessions survive a restart; the development key is still refused;
# - it speaks plain http, so cookies are not marked Secure (a browser would drop them on any
#   address but localhost);
# - ALLOWED_HOSTS defaults to the loopback names and RUN_ADDR's host;
# - DEBUG=true (`make run DEBUG=true`) is the developer's switch: tracebacks and the URL list
#   on error pages. Never on a machine others can reach.
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
ADDR="${RUN_ADDR:-127.0.0.1:8000}"
KEY_FILE="${DEMO_SECRET_KEY_FILE:-.demo-secret-key}"

if [ ! -s "$KEY_FILE" ]; then
    (umask 077 && "$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(60))' >"$KEY_FILE")
fi
host="${ADDR%:*}"
[ "$host" = "$ADDR" ] && host=127.0.0.1  # a bare port: runserver listens on 127.0.0.1

SECRET_KEY="$(cat "$KEY_FILE")"
export SECRET_KEY
export DEBUG="${DEBUG:-false}"
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-127.0.0.1,localhost,[::1],$host}"
export SESSION_COOKIE_SECURE="${SESSION_COOKIE_SECURE:-false}"
export CSRF_COOKIE_SECURE="${CSRF_COOKIE_SECURE:-false}"
# runserver starts a thread per request: a kept connection would only be left behind.
export CONN_MAX_AGE=0

exec "$PYTHON" manage.py runserver "$@" "$ADDR"
