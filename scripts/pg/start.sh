#!/usr/bin/env bash
# A private PostgreSQL cluster on loopback for the PostgreSQL event-store tests (Debian's postgresql).
# Everything lives under $PG_TEST_DIR (default /tmp/defasagem-pg): data, socket, log. Idempotent: when
# it already runs, it only prints how to reach it. Prints DATABASE_URL=… (also kept in $PG_TEST_DIR/env).
# PostgreSQL refuses to run as root: as root the cluster runs as the `postgres` user. Stop: stop.sh.
set -euo pipefail
DIR="${PG_TEST_DIR:-/tmp/defasagem-pg}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
if [ -z "$BIN" ] || [ ! -x "$BIN/pg_ctl" ]; then
  echo "pg: PostgreSQL missing (apt-get install -y postgresql)" >&2
  exit 3
fi
as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
mkdir -p "$DIR"
[ "$(id -u)" -eq 0 ] && chown postgres: "$DIR"
exec 9>"$DIR/.start.lock"
flock -w 120 9 || { echo "pg: another start.sh holds $DIR/.start.lock" >&2; exit 1; }

if [ -f "$DIR/env" ] && as_owner "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
  cat "$DIR/env"
  exit 0
fi
if [ ! -f "$DIR/data/PG_VERSION" ]; then
  rm -rf "$DIR/data"
  as_owner "$BIN/initdb" -D "$DIR/data" -U defasagem --auth=trust -E UTF8 --no-locale >"$DIR/initdb.log" 2>&1 \
    || { cat "$DIR/initdb.log" >&2; exit 1; }
fi
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/postgres.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$DIR -c fsync=on -c max_connections=100" \
  start 9>&- >/dev/null
echo "DATABASE_URL=postgres://defasagem@127.0.0.1:$PORT/postgres" >"$DIR/env"
cat "$DIR/env"
