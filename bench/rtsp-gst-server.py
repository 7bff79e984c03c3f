#!/usr/bin/python3
# The peer of bench/rtsp-clients.ts: GStreamer's gst-rtsp-server (Debian's python3-gi +
# gir1.2-gst-rtsp-server-1.0) serving one MP4 file at /bench with qtdemux ! h264parse ! rtph264pay,
# one pipeline per client (the factory default, as kadr gives each client its own reader).
# usage: rtsp-gst-server.py PORT FILE   (prints 'ready' when listening)
import sys, gi
gi.require_version('Gst', '1.0'); gi.require_version('GstRtspServer', '1.0')
from gi.repository import Gst, GstRtspServer, GLib
Gst.init(None)
port, path = sys.argv[1], sys.argv[2]
server = GstRtspServer.RTSPServer(address='127.0.0.1', service=port)
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch(f'( filesrc location="{path}" ! qtdemux ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=-1 )')
server.get_mount_points().add_factory('/bench', factory)
server.attach(None)
print('ready', flush=True)
GLib.MainLoop().run()
