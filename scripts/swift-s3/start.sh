#!/usr/bin/env bash
# A single-node OpenStack Swift with the s3api middleware on loopback, for the S3 registry tests
# (Debian's swift, swift-proxy, swift-account, swift-container, swift-object). Everything lives under
# $SWIFT_S3_DIR (default /tmp/defasagem-swift-s3): configuration, rings, the "device" (a plain
# directory), logs and pids. Idempotent: when it already runs, it only prints how to reach it.
# Prints shell assignments (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION),
# also kept in $SWIFT_S3_DIR/env. Stop it with scripts/swift-s3/stop.sh.
set -euo pipefail
DIR="${SWIFT_S3_DIR:-/tmp/defasagem-swift-s3}"
mkdir -p "$DIR"
exec 9>"$DIR/.start.lock"
flock -w 120 9 || { echo "swift-s3: another start.sh holds $DIR/.start.lock" >&2; exit 1; }

for bin in swift-proxy-server swift-account-server swift-container-server swift-object-server swift-ring-builder; do
  if ! command -v "$bin" >/dev/null 2>&1; then
    echo "swift-s3: $bin missing (apt-get install -y swift swift-proxy swift-account swift-container swift-object)" >&2
    exit 3
  fi
done

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
healthy() { [ -f "$DIR/env" ] && . "$DIR/env" && curl -fsS -m 2 "$AWS_ENDPOINT_URL/healthcheck" >/dev/null 2>&1; }

if alive "$DIR/proxy.pid" && alive "$DIR/account.pid" && alive "$DIR/container.pid" && alive "$DIR/object.pid" && healthy; then
  cat "$DIR/env"
  exit 0
fi

# Something is missing or dead: stop whatever is left and lay everything out anew.
"$(dirname "$0")/stop.sh" >/dev/null 2>&1 || true
rm -rf "$DIR/etc" "$DIR/srv" "$DIR/run" "$DIR/log"
mkdir -p "$DIR/etc" "$DIR/srv/d1" "$DIR/run" "$DIR/log"

free_ports() {
  python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}
read -r PROXY ACCOUNT CONTAINER OBJECT < <(free_ports 4)
USER_NAME="$(id -un)"

cat >"$DIR/etc/swift.conf" <<CONF
[swift-hash]
swift_hash_path_suffix = defasagem-test
swift_hash_path_prefix = defasagem-test
[storage-policy:0]
name = Policy-0
default = yes
CONF

common() {
  cat <<CONF
[DEFAULT]
swift_dir = $DIR/etc
devices = $DIR/srv
mount_check = false
disable_fallocate = true
bind_ip = 127.0.0.1
bind_port = $1
workers = 1
user = $USER_NAME
log_facility = LOG_LOCAL2
log_name = $2
CONF
}

{ common "$ACCOUNT" account; cat <<CONF
[pipeline:main]
pipeline = account-server
[app:account-server]
use = egg:swift#account
CONF
} >"$DIR/etc/account-server.conf"
{ common "$CONTAINER" container; cat <<CONF
[pipeline:main]
pipeline = container-server
[app:container-server]
use = egg:swift#container
CONF
} >"$DIR/etc/container-server.conf"
{ common "$OBJECT" object; cat <<CONF
[pipeline:main]
pipeline = object-server
[app:object-server]
use = egg:swift#object
CONF
} >"$DIR/etc/object-server.conf"
{ common "$PROXY" proxy; cat <<CONF
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo versioned_writes proxy-logging proxy-server
[app:proxy-server]
use = egg:swift#proxy
allow_account_management = true
account_autocreate = true
[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
[filter:versioned_writes]
use = egg:swift#versioned_writes
# tempauth keeps its tokens in swift.cache; no memcached runs here, so a miss re-checks the key.
[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:1
[filter:s3api]
use = egg:swift#s3api
location = us-east-1
[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin
CONF
} >"$DIR/etc/proxy-server.conf"

for ring in account:$ACCOUNT container:$CONTAINER object:$OBJECT; do
  name="${ring%%:*}"; port="${ring##*:}"
  (cd "$DIR/etc" && swift-ring-builder "$name.builder" create 6 1 1 >/dev/null \
    && swift-ring-builder "$name.builder" add "r1z1-127.0.0.1:$port/d1" 1 >/dev/null \
    && swift-ring-builder "$name.builder" rebalance >/dev/null) || true
  [ -f "$DIR/etc/$name.ring.gz" ] || { echo "swift-s3: could not build the $name ring" >&2; exit 1; }
done

for srv in account container object proxy; do
  setsid "swift-$srv-server" "$DIR/etc/$srv-server.conf" --verbose >"$DIR/log/$srv.log" 2>&1 </dev/null 9>&- &
  echo $! >"$DIR/$srv.pid"
done

cat >"$DIR/env" <<ENV
AWS_ENDPOINT_URL=http://127.0.0.1:$PROXY
AWS_ACCESS_KEY_ID=test:tester
AWS_SECRET_ACCESS_KEY=testing
AWS_REGION=us-east-1
ENV

for _ in $(seq 1 100); do
  if healthy; then cat "$DIR/env"; exit 0; fi
  sleep 0.2
done
echo "swift-s3: the proxy did not answer /healthcheck on 127.0.0.1:$PROXY; logs in $DIR/log" >&2
tail -n 20 "$DIR"/log/*.log >&2 || true
exit 1
