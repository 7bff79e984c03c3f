#!/usr/bin/env bash
# Stops radosgw, the OSD and the mon started by start-ceph-rgw.sh (by PID, in that order: clients
# first, so nothing hangs waiting for a dead mon). Arg: base dir.
BASE="$1"
for d in rgw osd mon; do
  f="$BASE/run/$d.pid.main"; [ -f "$f" ] || continue
  pid=$(cat "$f"); kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true; rm -f "$f"
done
