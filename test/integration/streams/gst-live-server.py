#!/usr/bin/python3
# A live RTSP camera nobody here wrote: GStreamer's gst-rtsp-server with a live videotestsrc encoded as
# it runs (openh264enc for H.264; x265enc for H.265), RTP timestamps and RTCP sender reports from the
# pipeline clock (rtpbin). Prints one line per RTSP client connection ('client connected') and per
# closed one ('client closed'), so a test counts the connections made to the camera.
# 'h264-heavy' encodes noise (videotestsrc pattern=snow) at about 5 Mbit/s, a stream a slow link cannot keep up with.
# 'h264-gop3': a keyframe every 3 s (75 frames), so that an instant falls mid-GOP.
# 'h264-bframes': x264enc with 2 B-frames between references (decode order differs from presentation order).
# usage: gst-live-server.py PORT name=h264|h265|h264-heavy|h264-gop3|h264-bframes ...
import sys, os, gi
gi.require_version('Gst', '1.0'); gi.require_version('GstRtspServer', '1.0')
from gi.repository import Gst, GstRtspServer, GLib
Gst.init(None)
server = GstRtspServer.RTSPServer(address='127.0.0.1', service=sys.argv[1])
mounts = server.get_mount_points()
src = 'videotestsrc is-live=true pattern={} ! video/x-raw,width=320,height=240,framerate=25/1'
enc = {
    'h264': 'openh264enc gop-size=25 complexity=low bitrate=500000 ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=-1',
    'h264-gop3': 'openh264enc gop-size=75 complexity=low bitrate=500000 ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=-1',
    'h264-heavy': 'openh264enc gop-size=25 complexity=low bitrate=6000000 ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=-1',
    'h264-bframes': 'x264enc speed-preset=ultrafast key-int-max=25 bframes=2 b-adapt=false bitrate=500 ! video/x-h264,profile=main ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=-1',
    # I420: left to negotiate, x265enc takes videotestsrc's 4:4:4 12-bit (Main 4:4:4 12), which no camera
    # sends and libde265 1.0.11 aborts on (an assertion in its transform tree); cameras send Main (4:2:0, 8 bits).
    'h265': 'capsfilter caps=video/x-raw,format=I420 ! x265enc tune=zerolatency speed-preset=ultrafast key-int-max=25 bitrate=500 ! h265parse ! rtph265pay name=pay0 pt=96 config-interval=-1',
}
for arg in sys.argv[2:]:
    name, codec = arg.split('=', 1)
    f = GstRtspServer.RTSPMediaFactory()
    pattern = 'snow' if codec == 'h264-heavy' else 'ball'
    f.set_launch(f'( {src.format(pattern)} ! {enc[codec]} )')
    f.set_shared(True)
    mounts.add_factory('/' + name, f)
def on_client(server, client):
    print('client connected', flush=True)
    client.connect('closed', lambda c: print('client closed', flush=True))
server.connect('client-connected', on_client)
server.attach(None)
print(f'rtsp server on 127.0.0.1:{sys.argv[1]} pid {os.getpid()}', flush=True)
GLib.MainLoop().run()
