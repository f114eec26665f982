#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests: created in DIR, listening on 127.0.0.1:PORT only,
# trust authentication (nothing else can reach it), fsync off (the data is discarded anyway).
#
# Usage:
#   scripts/pg-throwaway.sh start DIR PORT [DATABASE ...]   create DIR/data, start, create databases
#   scripts/pg-throwaway.sh stop DIR                         stop the server and delete DIR
#
# The superuser is `postgres`. Run as root, the server runs as the `postgres` system user
# (PostgreSQL refuses to run as root) and DIR is handed over to it; run as anyone else, it runs
# as that user. PG_BINDIR overrides where initdb/pg_ctl are looked for; by default version 15
# (Debian 12), else the newest installed under /usr/lib/postgresql.
set -euo pipefail

MARKER=.pg-throwaway  # `stop` deletes only a directory that `start` created

usage() {
    echo "usage: $0 start DIR PORT [DATABASE ...] | stop DIR" >&2
    exit 2
}

find_bindir() {
    if [ -n "${PG_BINDIR:-}" ]; then
        echo "$PG_BINDIR"
    elif [ -x /usr/lib/postgresql/15/bin/initdb ]; then
        echo /usr/lib/postgresql/15/bin
    else
        local newest
        newest="$(find /usr/lib/postgresql -path '*/bin/initdb' 2>/dev/null | sort -V | tail -n 1)"
        if [ -n "$newest" ]; then
            dirname "$newest"
        elif command -v pg_config >/dev/null 2>&1; then
            pg_config --bindir
        else
            echo "pg-throwaway: no PostgreSQL server found (apt-get install postgresql-15)" >&2
            return 1
        fi
    fi
}

# Run a command as the user that owns the cluster.
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        # From /, so the postgres user is not left in a directory it cannot read (e.g. /root).
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

start() {
    local dir="$1" port="$2"
    shift 2
    local bindir
    bindir="$(find_bindir)"

    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    touch "$dir/$MARKER"
    if [ "$(id -u)" -eq 0 ]; then
        chown -R postgres:postgres "$dir"
    fi

    echo "pg-throwaway: initdb ($("$bindir/postgres" --version)) in $dir/data"
    as_pg "$bindir/initdb" --pgdata="$dir/data" --username=postgres --auth=trust \
        --encoding=UTF8 --no-locale >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        return 1
    }

    # The socket goes in DIR so nothing outside it is needed (or touched).
    if ! as_pg "$bindir/pg_ctl" --pgdata="$dir/data" --log="$dir/postgres.log" --wait \
        --timeout=60 start \
        -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off"; then
        echo "pg-throwaway: server did not start; log follows" >&2
        cat "$dir/postgres.log" >&2 || true
        return 1
    fi

    local tries=0
    until "$bindir/pg_isready" --quiet --host=127.0.0.1 --port="$port" --username=postgres; do
        tries=$((tries + 1))
        if [ "$tries" -ge 60 ]; then
            echo "pg-throwaway: not ready after 30 s; log follows" >&2
            cat "$dir/postgres.log" >&2 || true
            return 1
        fi
        sleep 0.5
    done

    local db
    for db in "$@"; do
        "$bindir/createdb" --host=127.0.0.1 --port="$port" --username=postgres \
            --owner=postgres "$db"
    done
    echo "pg-throwaway: ready on 127.0.0.1:$port${*:+ (databases: $*)}"
}

stop() {
    local dir="$1"
    [ -d "$dir" ] || return 0
    if [ ! -e "$dir/$MARKER" ]; then
        echo "pg-throwaway: $dir was not made by this script; not touching it" >&2
        return 1
    fi
    if [ -f "$dir/data/postmaster.pid" ]; then
        local bindir
        bindir="$(find_bindir)"
        as_pg "$bindir/pg_ctl" --pgdata="$dir/data" --mode=fast --wait --timeout=60 stop \
            >/dev/null || echo "pg-throwaway: pg_ctl stop failed" >&2
    fi
    rm -rf -- "$dir"
    echo "pg-throwaway: stopped and removed $dir"
}

case "${1:-}" in
    start)
        [ "$#" -ge 3 ] || usage
        shift
        start "$@"
        ;;
    stop)
        [ "$#" -eq 2 ] || usage
        stop "$2"
        ;;
    *) usage ;;
esac
