#!/usr/bin/env bash
# Stops the cluster started by scripts/pg/start.sh (keeps its data).
set -uo pipefail
DIR="${PG_TEST_DIR:-/tmp/defasagem-pg}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
[ -n "$BIN" ] && [ -d "$DIR/data" ] || exit 0
if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$BIN/pg_ctl" -D "$DIR/data" -m fast stop; else "$BIN/pg_ctl" -D "$DIR/data" -m fast stop; fi
