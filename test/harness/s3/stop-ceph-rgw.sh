#!/usr/bin/env bash
# Stops radosgw, the OSD and the mon started by start-ceph-rgw.sh (by PID, in that order: clients
# first, so nothing hangs waiting for a dead mon). usage: stop-ceph-rgw.sh <CEPH_BASE> [kill]
# With "kill" every daemon gets SIGKILL at once (about 5 s faster; for data that is thrown away).
# gone, or a zombie waiting for an init that reaps slowly (this counts as gone: it holds no port)
alive() { local st; st=$(ps -o stat= -p "$1" 2>/dev/null) && [ -n "$st" ] && [ "${st:0:1}" != Z ]; }
BASE="$1"
SIG=TERM; [ "${2:-}" = kill ] && SIG=KILL
for d in rgw osd mon; do
  f="$BASE/run/$d.pid.main"; [ -f "$f" ] || continue
  pid=$(cat "$f"); kill -s "$SIG" "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do alive "$pid" || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true; rm -f "$f"
done
