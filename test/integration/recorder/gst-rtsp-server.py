#!/usr/bin/python3
# An RTSP source for the recorder tests that nobody here wrote: GStreamer's gst-rtsp-server (Debian:
# python3-gi, gir1.2-gst-rtsp-server-1.0, gstreamer1.0-plugins-good/-bad). Serves video files without
# re-encoding; RTP timestamp = the file's PTS.
# usage: gst-rtsp-server.py PORT name=file[,ts-offset=N][,jump-at=S] ...
#   ts-offset sets the first RTP timestamp (rtph264pay timestamp-offset), e.g. just below 2^32 so the
#   32-bit RTP clock wraps during the stream.
#   jump-at=S: from the first keyframe S seconds (of PTS) into the file on, the timestamps are 4 s
#   earlier: a timestamp reset, as a source whose clock jumped back would send.
#   --auth=basic:USER:PASS or --auth=digest:USER:PASS (first argument after PORT): every mount needs it.
import sys, os, gi
gi.require_version('Gst', '1.0'); gi.require_version('GstRtspServer', '1.0')
from gi.repository import Gst, GstRtspServer, GLib
Gst.init(None)
server = GstRtspServer.RTSPServer(address='127.0.0.1', service=sys.argv[1])
mounts = server.get_mount_points()
args = sys.argv[2:]
user = None
if args and args[0].startswith('--auth='):
    method, user, password = args.pop(0)[7:].split(':', 2)
    auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string('media.factory.role', user)
    if method == 'digest':
        auth.add_digest(user, password, token)
        auth.set_supported_methods(GstRtspServer.RTSPAuthMethod.DIGEST)
    else:
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
    server.set_auth(auth)
for arg in args:
    name, spec = arg.split('=', 1)
    path, *opts = spec.split(',')
    extra = ''.join(f' timestamp-offset={o.split("=")[1]}' for o in opts if o.startswith('ts-offset='))
    demux = 'matroskademux' if path.endswith('.mkv') else 'qtdemux'
    hevc = os.popen(f"ffprobe -v error -select_streams v:0 -show_entries stream=codec_name -of csv=p=0 '{path}'").read().strip() == 'hevc'
    parse, pay = ('h265parse', 'rtph265pay') if hevc else ('h264parse', 'rtph264pay')
    f = GstRtspServer.RTSPMediaFactory()
    f.set_launch(f'( filesrc location={path} ! {demux} ! {parse} name=parse ! {pay} name=pay0 pt=96 config-interval=-1{extra} )')
    f.set_shared(False)
    if user:
        permissions = GstRtspServer.RTSPPermissions()
        permissions.add_permission_for_role(user, 'media.factory.access', True)
        permissions.add_permission_for_role(user, 'media.factory.construct', True)
        f.set_permissions(permissions)
    jump = [float(o.split('=')[1]) for o in opts if o.startswith('jump-at=')]
    if jump:
        def on_configure(factory, media, at=int(jump[0] * Gst.SECOND)):
            state = {'on': False}
            def shift(pad, info):
                buf = info.get_buffer()
                if not state['on'] and buf.pts >= at and not buf.has_flags(Gst.BufferFlags.DELTA_UNIT):
                    state['on'] = True
                if state['on']:
                    buf.pts -= 4 * Gst.SECOND
                    if buf.dts != Gst.CLOCK_TIME_NONE:
                        buf.dts -= 4 * Gst.SECOND
                return Gst.PadProbeReturn.OK
            media.get_element().get_by_name('parse').get_static_pad('src').add_probe(Gst.PadProbeType.BUFFER, shift)
        f.connect('media-configure', on_configure)
    mounts.add_factory('/' + name, f)
server.attach(None)
print(f'rtsp server on 127.0.0.1:{sys.argv[1]} pid {os.getpid()}', flush=True)
GLib.MainLoop().run()
