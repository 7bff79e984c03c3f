#!/usr/bin/python3
# A WHEP client (RFC 9725) nobody here wrote the WebRTC of: GStreamer's webrtcbin offers one recvonly
# video transceiver of CODEC (h264 or h265), POSTs the offer with every candidate (non-trickle), applies
# the answer, depacketizes and decodes what arrives for SECONDS, DELETEs the session and prints one
# JSON line: the HTTP status, the RTP timestamp of each access unit received (the packet with the
# marker bit), the frames decoded and the decoded picture size.
# Debian: python3-gi, gir1.2-gstreamer-1.0, gir1.2-gst-plugins-bad-1.0 (GstWebRTC), gstreamer1.0-nice
# (webrtcbin's ICE), gstreamer1.0-plugins-bad (webrtcbin, libde265dec), gstreamer1.0-plugins-good
# (rtph264depay, rtph265depay); avdec_h265/avdec_h264 from gstreamer1.0-libav are used where present.
# usage: whep-gst.py URL TOKEN SECONDS h264|h265
import json, sys, urllib.error, urllib.request, gi
gi.require_version('Gst', '1.0'); gi.require_version('GstWebRTC', '1.0'); gi.require_version('GstSdp', '1.0')
from gi.repository import Gst, GstWebRTC, GstSdp, GLib
gi.require_version('GstRtp', '1.0')
from gi.repository import GstRtp
Gst.init(None)
url, token, seconds, codec = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
name = {'h264': 'H264', 'h265': 'H265'}[codec]
decoder = next(d for d in ([f'avdec_{codec}', 'libde265dec'] if codec == 'h265' else ['avdec_h264', 'openh264dec'])
               if Gst.ElementFactory.find(d))
got = {'status': None, 'timestamps': [], 'decoded': 0, 'width': None, 'height': None, 'location': None}
loop = GLib.MainLoop()

def http(method, target, body=None):
    req = urllib.request.Request(target, data=body, method=method)
    if token:
        req.add_header('Authorization', 'Bearer ' + token)
    if body is not None:
        req.add_header('Content-Type', 'application/sdp')
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status, r.headers.get('Location'), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, None, e.read().decode()
    except OSError as e:  # refused, reset, timed out: no status, the reason in the report
        return None, None, str(e)

pipe = Gst.Pipeline.new('whep')
webrtc = Gst.ElementFactory.make('webrtcbin', 'webrtc')
webrtc.set_property('bundle-policy', GstWebRTC.WebRTCBundlePolicy.MAX_BUNDLE)
pipe.add(webrtc)
caps = Gst.Caps.from_string(f'application/x-rtp,media=video,encoding-name={name},clock-rate=90000,payload=96')
webrtc.emit('add-transceiver', GstWebRTC.WebRTCRTPTransceiverDirection.RECVONLY, caps)

def on_rtp(pad, info):
    ok, rtp = GstRtp.RTPBuffer.map(info.get_buffer(), Gst.MapFlags.READ)
    if ok:
        if rtp.get_marker():
            got['timestamps'].append(rtp.get_timestamp())
        rtp.unmap()
    return Gst.PadProbeReturn.OK

def on_decoded(pad, info):
    got['decoded'] += 1
    s = pad.get_current_caps().get_structure(0)
    got['width'], got['height'] = s.get_value('width'), s.get_value('height')
    return Gst.PadProbeReturn.OK

def on_pad(_, pad):
    if pad.direction != Gst.PadDirection.SRC:
        return
    chain = Gst.parse_bin_from_description(
        f'rtp{codec}depay name=depay ! {codec}parse ! {decoder} name=dec ! fakesink sync=false', True)
    pipe.add(chain)
    chain.sync_state_with_parent()
    pad.link(chain.get_static_pad('sink'))
    chain.get_by_name('depay').get_static_pad('sink').add_probe(Gst.PadProbeType.BUFFER, on_rtp)
    chain.get_by_name('dec').get_static_pad('src').add_probe(Gst.PadProbeType.BUFFER, on_decoded)

webrtc.connect('pad-added', on_pad)

def post_offer():
    sdp = webrtc.get_property('local-description').sdp.as_text()
    status, location, body = http('POST', url, sdp.encode())
    got['status'], got['location'] = status, location
    if status != 201:
        got['body'] = body
        loop.quit()
        return False
    _, msg = GstSdp.SDPMessage.new_from_text(body)
    answer = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.ANSWER, msg)
    webrtc.emit('set-remote-description', answer, Gst.Promise.new())
    GLib.timeout_add(int(seconds * 1000), loop.quit)
    return False

def on_gathering(element, _):
    if element.get_property('ice-gathering-state') == GstWebRTC.WebRTCICEGatheringState.COMPLETE:
        GLib.idle_add(post_offer)

webrtc.connect('notify::ice-gathering-state', on_gathering)

def on_offer(promise):
    # Held in a name: the offer is not copied out of the reply, and PyGObject frees a temporary reply at once.
    reply = promise.get_reply()
    offer = reply.get_value('offer')
    if offer is None:
        got['error'] = 'create-offer: ' + reply.to_string()
        loop.quit()
        return
    webrtc.emit('set-local-description', offer, Gst.Promise.new())

def on_bus(_, m):
    if m.type == Gst.MessageType.ERROR:
        got['error'] = m.parse_error()[0].message
        loop.quit()

bus = pipe.get_bus(); bus.add_signal_watch(); bus.connect('message', on_bus)
pipe.set_state(Gst.State.PLAYING)
webrtc.emit('create-offer', None, Gst.Promise.new_with_change_func(on_offer))
GLib.timeout_add(int((seconds + 15) * 1000), loop.quit)
loop.run()
if got['location']:
    got['deleted'] = http('DELETE', url.split('/api/')[0] + got['location'])[0]
pipe.set_state(Gst.State.NULL)
print(json.dumps(got), flush=True)
