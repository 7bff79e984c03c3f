#!/usr/bin/env bash
# Stops or starts the radosgw process alone (mon and OSD keep running), for fault tests such as
# "the S3 server is down for 30 s". usage: rgw-ctl.sh stop|kill|start <CEPH_BASE> [RGW_PORT]
# stop: SIGTERM, waits until the process is gone (radosgw takes ~9 s to shut down gracefully);
# kill: SIGKILL at once (a crash); start: waits until the S3 endpoint answers (up to 60 s).
set -euo pipefail
# gone, or a zombie waiting for an init that reaps slowly (this counts as gone: it holds no port)
alive() { local st; st=$(ps -o stat= -p "$1" 2>/dev/null) && [ -n "$st" ] && [ "${st:0:1}" != Z ]; }
ACTION="$1"; BASE="$2"
export CEPH_CONF="$BASE/ceph.conf"
PIDFILE="$BASE/run/rgw.pid.main"
case "$ACTION" in
  stop | kill)
    [ -f "$PIDFILE" ] || exit 0
    pid=$(cat "$PIDFILE")
    if [ "$ACTION" = kill ]; then kill -9 "$pid" 2>/dev/null || true; else kill "$pid" 2>/dev/null || true; fi
    for _ in $(seq 1 100); do alive "$pid" || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do alive "$pid" || break; sleep 0.1; done
    rm -f "$PIDFILE"
    ;;
  start)
    PORT="${3:?rgw-ctl.sh start needs the RGW port}"
    nohup radosgw -f -n client.rgw.a >> "$BASE/log/rgw.out" 2>&1 & echo $! > "$PIDFILE"
    for _ in $(seq 1 300); do
      curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/" && exit 0
      kill -0 "$(cat "$PIDFILE")" 2>/dev/null || { echo "radosgw died; see $BASE/log" >&2; exit 1; }
      sleep 0.2
    done
    echo "radosgw did not answer on 127.0.0.1:$PORT; see $BASE/log" >&2; exit 1
    ;;
  *) echo "usage: rgw-ctl.sh stop|kill|start <CEPH_BASE> [RGW_PORT]" >&2; exit 2 ;;
esac
