#!/usr/bin/env bash
# Single-node Ceph (Debian bookworm 16.2 "pacific"): 1 mon + 1 OSD + radosgw, all bound to 127.0.0.1,
# all state under $CEPH_BASE. No cephx (auth none), no mgr. Every port is configurable so that several
# runs can share one machine (the test service picks free ones).
#
# env: CEPH_BASE (state dir, required to restart on existing data), RGW_PORT (S3, default 7480),
#      CEPH_MON_PORT (default 6789), CEPH_OSD_PORT_MIN/MAX (the OSD's messenger ports, default 6800-7300),
#      CEPH_OBJECTSTORE (bluestore | memstore), S3_ACCESS_KEY, S3_SECRET_KEY.
# Prints the base dir. S3 endpoint: http://127.0.0.1:$RGW_PORT
set -euo pipefail
RGW_PORT="${RGW_PORT:-7480}"
MON_PORT="${CEPH_MON_PORT:-6789}"
OSD_PORT_MIN="${CEPH_OSD_PORT_MIN:-6800}"
OSD_PORT_MAX="${CEPH_OSD_PORT_MAX:-7300}"
AK="${S3_ACCESS_KEY:-minioadmin}"; SK="${S3_SECRET_KEY:-minioadmin}"
BASE="${CEPH_BASE:-$(mktemp -d -t ceph-rgw.XXXXXX)}"
STORE="${CEPH_OBJECTSTORE:-bluestore}"   # bluestore (file-backed, persistent) or memstore (RAM)
for port in "$RGW_PORT" "$MON_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "port $port already in use" >&2; exit 1; fi
done
mkdir -p "$BASE"/{mon/ceph-a,osd/ceph-0,run,log}
export CEPH_CONF="$BASE/ceph.conf"
FRESH=0; [ -f "$BASE/fsid" ] || { cat /proc/sys/kernel/random/uuid > "$BASE/fsid"; FRESH=1; }
FSID=$(cat "$BASE/fsid")

cat > "$CEPH_CONF" <<EOF
[global]
fsid = $FSID
# msgr v1 spelled out (here and in the monmap): with a port other than 6789 Ceph assumes msgr2,
# which "auth none" clients such as radosgw cannot use
mon host = [v1:127.0.0.1:$MON_PORT]
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr2 = false
# the OSD binds several ports from this range; a per-run range keeps parallel runs apart
ms bind port min = $OSD_PORT_MIN
ms bind port max = $OSD_PORT_MAX
auth cluster required = none
auth service required = none
auth client required = none
run dir = $BASE/run
admin socket = $BASE/run/\$name.asok
pid file = $BASE/run/\$name.pid
log file = $BASE/log/\$name.log
mon data = $BASE/mon/\$cluster-\$id
osd data = $BASE/osd/\$cluster-\$id
keyring = $BASE/keyring
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon allow pool delete = true
mon max pg per osd = 1000
# test cluster: commit map changes quickly (default 1 s per change -> ~10 s rgw bootstrap)
paxos propose interval = 0.05
paxos min wait = 0.01
mon warn on pool no redundancy = false
# CI disks are often >70% full: do not warn / shut the mon down for low disk space
mon data avail warn = 1
mon data avail crit = 0
osd crush chooseleaf type = 0
# auth none + OSD self-registration races (mon sees fsid 0): register the OSD in CRUSH by hand
osd crush update on start = false
osd class update on start = false
osd objectstore = $STORE
bluestore block size = 21474836480
bluestore fsck on mount = false
bluestore fsck on mkfs = false
osd memory target = 939524096
memstore device bytes = 4294967296
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw thread pool size = 64
# reclaim deleted/aborted data within ~a minute instead of the 2 h default (keeps test disk/RAM flat)
rgw gc obj min wait = 30
rgw gc processor period = 30
EOF

if [ "$FRESH" = 1 ]; then
  ceph-authtool --create-keyring "$BASE/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  monmaptool --create --fsid "$FSID" --addv a "[v1:127.0.0.1:$MON_PORT]" "$BASE/monmap" >/dev/null
  ceph-mon --mkfs -i a --monmap "$BASE/monmap" --keyring "$BASE/keyring"
fi
nohup ceph-mon -f -i a > "$BASE/log/mon.out" 2>&1 & echo $! > "$BASE/run/mon.pid.main"

if [ "$FRESH" = 1 ]; then
  OSD_UUID=$(cat /proc/sys/kernel/random/uuid)
  ceph --connect-timeout 20 osd new "$OSD_UUID" >/dev/null          # -> osd id 0
  ceph-osd -i 0 --mkfs --osd-uuid "$OSD_UUID" > "$BASE/log/osd-mkfs.out" 2>&1
  ceph osd crush add osd.0 1.0 host=localhost root=default >/dev/null 2>&1
fi
nohup ceph-osd -f -i 0 > "$BASE/log/osd.out" 2>&1 & echo $! > "$BASE/run/osd.pid.main"
"$(dirname "$0")/rgw-ctl.sh" start "$BASE" "$RGW_PORT"
if [ "$FRESH" = 1 ]; then
  radosgw-admin user create --uid=ci --display-name=ci --access-key="$AK" --secret-key="$SK" >/dev/null
fi
for d in mon osd rgw; do kill -0 "$(cat "$BASE/run/$d.pid.main")" 2>/dev/null || { echo "$d died; see $BASE/log" >&2; exit 1; }; done
echo "$BASE"
