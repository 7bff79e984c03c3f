#!/usr/bin/python3
# bench/cameras.ts's do-it-yourself restream: GStreamer's gst-rtsp-server relaying cameras, one shared
# media per camera (`rtspsrc ! rtph264depay ! rtph264pay`, one upstream connection however many
# watch, started by the first viewer), all in this one process, as a user would set it up.
# usage: rtsp-gst-relay.py PORT name=rtsp://camera ...   (prints 'ready' when listening)
import sys, gi
gi.require_version('Gst', '1.0'); gi.require_version('GstRtspServer', '1.0')
from gi.repository import Gst, GstRtspServer, GLib
Gst.init(None)
server = GstRtspServer.RTSPServer(address='127.0.0.1', service=sys.argv[1])
for arg in sys.argv[2:]:
    name, url = arg.split('=', 1)
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(
        f'( rtspsrc location={url} protocols=tcp latency=200 ! rtph264depay'
        ' ! rtph264pay name=pay0 pt=96 config-interval=-1 )')
    factory.set_shared(True)
    server.get_mount_points().add_factory('/' + name, factory)
server.attach(None)
print('ready', flush=True)
GLib.MainLoop().run()
