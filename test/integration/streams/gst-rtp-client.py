#!/usr/bin/python3
# GStreamer rtspsrc as an RTSP client that prints, for each access unit it receives, the RTP timestamp
# of its last packet (the one with the marker bit) as 'ts N', then 'EOS' at the end of the stream
# (RTCP BYE) or 'ERROR <message>'; it stops after DURATION seconds.
# usage: gst-rtp-client.py URL tcp|udp h264|h265 DURATION
import sys, gi
gi.require_version('Gst', '1.0'); gi.require_version('GstRtp', '1.0')
from gi.repository import Gst, GstRtp, GLib
Gst.init(None)
url, proto, codec, duration = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
depay = {'h264': 'rtph264depay name=depay ! h264parse', 'h265': 'rtph265depay name=depay ! h265parse'}[codec]
p = Gst.parse_launch(f'rtspsrc location="{url}" protocols={proto} latency=200 ! {depay} ! fakesink sync=false')
def probe(pad, info):
    ok, rtp = GstRtp.RTPBuffer.map(info.get_buffer(), Gst.MapFlags.READ)
    if ok:
        if rtp.get_marker():
            print('ts', rtp.get_timestamp(), flush=True)
        rtp.unmap()
    return Gst.PadProbeReturn.OK
p.get_by_name('depay').get_static_pad('sink').add_probe(Gst.PadProbeType.BUFFER, probe)
loop = GLib.MainLoop()
status = {'code': 0}
def on_msg(bus, m):
    if m.type == Gst.MessageType.EOS:
        print('EOS', flush=True); loop.quit()
    elif m.type == Gst.MessageType.ERROR:
        print('ERROR', m.parse_error()[0].message, flush=True); status['code'] = 1; loop.quit()
bus = p.get_bus(); bus.add_signal_watch(); bus.connect('message', on_msg)
p.set_state(Gst.State.PLAYING)
GLib.timeout_add(int(duration * 1000), loop.quit)
loop.run()
p.set_state(Gst.State.NULL)
sys.exit(status['code'])
