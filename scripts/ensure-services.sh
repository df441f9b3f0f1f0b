#!/usr/bin/env bash
# Make sure the servers the tests talk to are installed and listening on loopback:
#   Mosquitto        127.0.0.1:1883  (installed and started when missing)
#   PostgreSQL       127.0.0.1:5432  (started when installed; tests skip without it, fail under CI=true)
#   VictoriaMetrics  127.0.0.1:8428  (stands in for InfluxDB 2.x: same /api/v2/write API)
# and Debian's headless Chromium for the console's browser tests (installed when missing).
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
apt_updated=0

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {  # port name seconds
    local i
    for ((i = 0; i < $3 * 10; i++)); do listening "$1" && return 0; sleep 0.1; done
    echo "error: $2 did not start listening on 127.0.0.1:$1 within $3 s" >&2
    return 1
}

apt_install() {
    if [ "$apt_updated" = 0 ]; then apt-get update -qq >/dev/null; apt_updated=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_mosquitto() {
    command -v mosquitto >/dev/null || apt_install mosquitto || return 1
    listening 1883 && return 0
    echo "starting mosquitto on 127.0.0.1:1883"
    mosquitto -d -c /etc/mosquitto/mosquitto.conf
    wait_for 1883 mosquitto 10
}

ensure_postgres() {
    listening 5432 && return 0
    if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
        echo "starting postgresql on 127.0.0.1:5432"
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
        wait_for 5432 postgresql 30 && return 0
    fi
    echo "warning: no PostgreSQL on 127.0.0.1:5432; its tests will skip (and fail under CI=true)" >&2
}

ensure_victoria_metrics() {
    command -v victoria-metrics >/dev/null || apt_install victoria-metrics || return 1
    listening 8428 && return 0
    echo "starting victoria-metrics on 127.0.0.1:8428 (InfluxDB v2 write API stand-in)"
    mkdir -p "$here/var/victoria-metrics"
    nohup victoria-metrics -httpListenAddr=127.0.0.1:8428 \
        -storageDataPath="$here/var/victoria-metrics" -retentionPeriod=1d \
        >"$here/var/victoria-metrics.log" 2>&1 &
    wait_for 8428 victoria-metrics 30
}

ensure_chromium() {
    command -v chromium >/dev/null && return 0
    echo "installing chromium for the console's browser tests"
    apt_install chromium chromium-driver fonts-dejavu-core
}

status=0
ensure_chromium || status=1
ensure_mosquitto || status=1
ensure_postgres || status=1
ensure_victoria_metrics || status=1
exit $status
