#!/usr/bin/python3
# An independent WHIP sender (RFC 9725): aiortc offers one sendonly H.264 video track whose frames
# are drawn here (a binary frame counter: 16 black or white columns), POSTs the offer, applies the
# answer, sends for SECONDS, then DELETEs the session and prints one JSON line: the POST status, the
# DELETE status and body (kadr's recording), and each frame sent as [pts (90 kHz), wallclock ms its
# pts stands for on aiortc's clock, wallclock ms when aiortc took it]. aiortc stamps the frame's RTP
# timestamp as a random origin plus this pts, and its RTCP sender reports pair RTP timestamps with its
# NTP clock, which is time.time(): the line also has that origin and every report sent, as
# [NTP ms, RTP timestamp, ms when sent].
# usage: whip-aiortc.py URL TOKEN SECONDS
import asyncio, fractions, json, sys, time, urllib.request, urllib.error
import av
import aiortc.rtcrtpsender as rtpsender
from aiortc import RTCPeerConnection, RTCSessionDescription, VideoStreamTrack
from aiortc.rtp import RtcpSrPacket
from aiortc.rtcrtpsender import RTCRtpSender

# The sender's own numbers, read as it makes them: the random 32-bit values it draws (the last one
# before sending starts is the RTP timestamp origin) and every RTCP sender report it sends.
drawn = []
reports = []
_random32 = rtpsender.random32
def _draw():
    v = _random32()
    drawn.append(v)
    return v
rtpsender.random32 = _draw
_send_rtcp = RTCRtpSender._send_rtcp
async def _logged(self, packets):
    for p in packets:
        if isinstance(p, RtcpSrPacket):
            ntp = p.sender_info.ntp_timestamp
            ms = ((ntp >> 32) - 2208988800) * 1000 + (ntp & 0xFFFFFFFF) * 1000 / 2**32
            reports.append([ms, p.sender_info.rtp_timestamp, time.time() * 1000])
    return await _send_rtcp(self, packets)
RTCRtpSender._send_rtcp = _logged

W, H = 320, 240

def http(method, url, token, body=None, ctype=None):
    req = urllib.request.Request(url, data=body, method=method)
    if token:
        req.add_header('Authorization', 'Bearer ' + token)
    if ctype:
        req.add_header('Content-Type', ctype)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()

class CounterTrack(VideoStreamTrack):
    def __init__(self):
        super().__init__()
        self.n = 0
        self.sent = []

    async def recv(self):
        pts, time_base = await self.next_timestamp()
        n = self.n
        self.n += 1
        row = bytes(235 if (n >> (15 - x // (W // 16))) & 1 else 16 for x in range(W))
        frame = av.VideoFrame(W, H, 'yuv420p')
        frame.planes[0].update(row * H)
        frame.planes[1].update(bytes([128]) * (frame.planes[1].buffer_size))
        frame.planes[2].update(bytes([128]) * (frame.planes[2].buffer_size))
        frame.pts = pts
        frame.time_base = time_base
        # aiortc paces frames on its own clock: frame pts is due at start + pts / 90 kHz, and a frame
        # taken late (the first ones, while the connection comes up) keeps its due pts.
        self.sent.append([pts, (self._start + pts / 90000) * 1000, time.time() * 1000])
        return frame

async def main():
    url, token, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    pc = RTCPeerConnection()
    track = CounterTrack()
    t = pc.addTransceiver(track, direction='sendonly')
    t.setCodecPreferences([c for c in RTCRtpSender.getCapabilities('video').codecs if c.mimeType == 'video/H264'])
    await pc.setLocalDescription(await pc.createOffer())
    loop = asyncio.get_running_loop()
    status, headers, body = await loop.run_in_executor(None, http, 'POST', url, token, pc.localDescription.sdp.encode(), 'application/sdp')
    if status != 201:
        print(json.dumps({'status': status, 'body': body}), flush=True)
        await pc.close()
        return
    location = headers.get('Location') or headers.get('location')
    await pc.setRemoteDescription(RTCSessionDescription(sdp=body, type='answer'))
    await asyncio.sleep(seconds)
    base = url.split('/api/')[0]
    # Every frame taken so far has been sent: aiortc encodes and sends a frame before taking the next.
    sent = list(track.sent)
    dstatus, _, dbody = await loop.run_in_executor(None, http, 'DELETE', base + location, token)
    await pc.close()
    print(json.dumps({'status': status, 'location': location, 'deleteStatus': dstatus,
                      'recording': json.loads(dbody) if dbody.startswith('{') else dbody, 'sent': sent,
                      'rtpOrigin': drawn[-1], 'reports': reports}), flush=True)

asyncio.run(main())
