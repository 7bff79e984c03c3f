#!/usr/bin/python3
# GStreamer rtspsrc client for kadr's interop tests: prints one PTS (ns) per access unit, then 'EOS' when
# the stream ended (RTCP BYE) or 'ERROR <message>'. buffer-mode=none makes PTS follow the RTP timestamps
# exactly (no arrival-time smoothing); without it GStreamer re-times B-frame streams by tens of ms.
# usage: gst-rtsp-client.py URL tcp|udp h264|h265|mpeg4 [timeout_s]
import sys, gi
gi.require_version('Gst', '1.0')
from gi.repository import Gst, GLib
Gst.init(None)
url, proto, codec = sys.argv[1], sys.argv[2], sys.argv[3]
timeout = int(sys.argv[4]) if len(sys.argv) > 4 else 30
depay = {'h264': 'rtph264depay ! h264parse', 'h265': 'rtph265depay ! h265parse', 'mpeg4': 'rtpmp4vdepay ! mpeg4videoparse'}[codec]
p = Gst.parse_launch(f'rtspsrc location="{url}" protocols={proto} buffer-mode=none latency=2000 ! {depay} ! fakesink name=sink sync=false')
def probe(pad, info):
    print(info.get_buffer().pts, flush=True)
    return Gst.PadProbeReturn.OK
p.get_by_name('sink').get_static_pad('sink').add_probe(Gst.PadProbeType.BUFFER, probe)
loop = GLib.MainLoop()
status = {'code': 3}
def on_msg(bus, m):
    if m.type == Gst.MessageType.EOS:
        print('EOS', flush=True); status['code'] = 0; loop.quit()
    elif m.type == Gst.MessageType.ERROR:
        print('ERROR', m.parse_error()[0].message, flush=True); status['code'] = 1; loop.quit()
bus = p.get_bus(); bus.add_signal_watch(); bus.connect('message', on_msg)
p.set_state(Gst.State.PLAYING)
GLib.timeout_add_seconds(timeout, loop.quit)
loop.run()
p.set_state(Gst.State.NULL)
sys.exit(status['code'])
