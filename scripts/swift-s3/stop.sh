#!/usr/bin/env bash
# Stops the Swift started by scripts/swift-s3/start.sh (by the pids it recorded) and keeps its files.
set -uo pipefail
DIR="${SWIFT_S3_DIR:-/tmp/defasagem-swift-s3}"
for srv in proxy object container account; do
  pidfile="$DIR/$srv.pid"
  [ -f "$pidfile" ] || continue
  pid="$(cat "$pidfile")"
  # setsid made each server its own process group: end the group (the server and its workers).
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$pidfile"
done
echo "swift-s3: stopped"
