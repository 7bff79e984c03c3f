#!/usr/bin/python3
# A live camera that draws its own capture time into the picture: GStreamer's gst-rtsp-server with
# `videotestsrc is-live=true ! overlaycomposition ! x264enc tune=zerolatency ! rtph264pay`.
#
# Where the drawn time comes from (the source's clock, nothing measured by the test): the pipeline runs
# on GStreamer's system clock switched to CLOCK_REALTIME, so base_time + running time of a buffer is
# its capture time in ns since 1970. overlaycomposition draws that, for every frame, as the
# milliseconds of the UTC day (8 digits), black on a white box at BOX below, before the encoder.
#
# Where the RTCP sender reports come from: rtpbin with ntp-time-source=ntp reads the NTP time as
# g_get_real_time(), the same CLOCK_REALTIME (two reads microseconds apart), and the RTP timestamp it
# pairs with it is extrapolated from the last packet's running time. rtcp-sync-send-time=false makes
# that running time the buffer's (the capture time); the default (true) adds the pipeline latency,
# which would put every frame's wallclock one latency after its drawn time. So a frame's wallclock
# from the reports is its drawn time, up to the 90 kHz rounding of the RTP timestamp (11 us).
#
# usage: gst-clock-camera.py PORT   (serves /cam; prints 'rtsp server on ...' when listening and
#   'client connected' / 'client closed' per RTSP connection)
import sys, os, subprocess, gi
gi.require_version('Gst', '1.0'); gi.require_version('GstRtspServer', '1.0'); gi.require_version('GstVideo', '1.0')
from gi.repository import Gst, GstRtspServer, GstVideo, GLib
Gst.init(None)

WIDTH, HEIGHT = 640, 360
CELL_W, CELL_H, DIGITS = 40, 64, 8
BOX = (16, 16, CELL_W * DIGITS + 16, CELL_H + 16)  # x, y, w, h of the white box (8 px margin inside)

# One grey glyph per digit, rendered once with FFmpeg's drawtext in DejaVu Sans Mono.
font = subprocess.run(['fc-match', '-f', '%{file}', 'DejaVu Sans Mono'], capture_output=True, text=True, check=True).stdout
raw = subprocess.run(
    ['ffmpeg', '-v', 'error', '-f', 'lavfi', '-i', f'color=white:s={CELL_W}x{CELL_H}:r=1:d=10',
     '-vf', f"drawtext=fontfile={font}:fontsize=60:fontcolor=black:x=(w-tw)/2:y=(h-th)/2:text='%{{eif\\:n\\:d}}'",
     '-f', 'rawvideo', '-pix_fmt', 'gray', '-'],
    capture_output=True, check=True).stdout
glyph_rows = []  # glyph_rows[d][y]: the BGRA bytes of row y of digit d
for d in range(10):
    g = raw[d * CELL_W * CELL_H:(d + 1) * CELL_W * CELL_H]
    glyph_rows.append([b''.join(bytes((v, v, v, 255)) for v in g[y * CELL_W:(y + 1) * CELL_W]) for y in range(CELL_H)])
box_w, box_h = BOX[2], BOX[3]
white_row = b'\xff' * (box_w * 4)
margin = b'\xff' * 32

def render(text):
    rows = [white_row] * 8
    for y in range(CELL_H):
        rows.append(margin + b''.join(glyph_rows[int(c)][y] for c in text) + margin)
    rows += [white_row] * 8
    return b''.join(rows)

def draw(overlay, sample):
    buf = sample.get_buffer()
    running = sample.get_segment().to_running_time(Gst.Format.TIME, buf.pts)
    capture_ms = (overlay.get_base_time() + running) // 1_000_000
    pixels = Gst.Buffer.new_wrapped(render(f'{capture_ms % 86_400_000:08d}'))
    GstVideo.buffer_add_video_meta(pixels, GstVideo.VideoFrameFlags.NONE, GstVideo.VideoFormat.BGRA, box_w, box_h)
    rect = GstVideo.VideoOverlayRectangle.new_raw(pixels, BOX[0], BOX[1], box_w, box_h, GstVideo.VideoOverlayFormatFlags.NONE)
    return GstVideo.VideoOverlayComposition.new(rect)

class ClockMedia(GstRtspServer.RTSPMedia):
    def do_setup_rtpbin(self, rtpbin):
        rtpbin.set_property('rtcp-sync-send-time', False)
        rtpbin.set_property('ntp-time-source', 'ntp')
        return True

clock = Gst.SystemClock()
clock.set_property('clock-type', Gst.ClockType.REALTIME)

def on_configure(factory, media):
    media.get_element().get_by_name('draw').connect('draw', draw)

server = GstRtspServer.RTSPServer(address='127.0.0.1', service=sys.argv[1])
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch(
    f'( videotestsrc is-live=true pattern=smpte ! video/x-raw,format=I420,width={WIDTH},height={HEIGHT},framerate=25/1'
    ' ! overlaycomposition name=draw'
    ' ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 bitrate=1500 ! h264parse config-interval=-1'
    ' ! rtph264pay name=pay0 pt=96 )')
factory.set_shared(True)
factory.set_clock(clock)
factory.set_media_gtype(ClockMedia)
factory.connect('media-configure', on_configure)
server.get_mount_points().add_factory('/cam', factory)

def on_client(server, client):
    print('client connected', flush=True)
    client.connect('closed', lambda c: print('client closed', flush=True))
server.connect('client-connected', on_client)
server.attach(None)
print(f'rtsp server on 127.0.0.1:{sys.argv[1]} pid {os.getpid()}', flush=True)
GLib.MainLoop().run()
