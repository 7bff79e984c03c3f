#!/usr/bin/python3
# An independent WHEP client (RFC 9725): aiortc offers a recvonly H.264 video transceiver, POSTs the
# offer, applies the answer, decodes what arrives for SECONDS and prints one JSON line: frames decoded,
# the picture size, the first and last frame pts, and the session URL; then DELETEs the session
# unless --no-delete (a viewer that vanishes without a goodbye).
# usage: whep-aiortc.py URL TOKEN SECONDS [--no-delete]
import asyncio, json, os, sys, time, urllib.request, urllib.error
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.rtcrtpsender import RTCRtpSender

def http(method, url, token, body=None, ctype=None):
    req = urllib.request.Request(url, data=body, method=method)
    if token:
        req.add_header('Authorization', 'Bearer ' + token)
    if ctype:
        req.add_header('Content-Type', ctype)
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()

async def main():
    url, token, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    delete = '--no-delete' not in sys.argv
    pc = RTCPeerConnection()
    t = pc.addTransceiver('video', direction='recvonly')
    t.setCodecPreferences([c for c in RTCRtpSender.getCapabilities('video').codecs if c.mimeType == 'video/H264'])
    await pc.setLocalDescription(await pc.createOffer())
    loop = asyncio.get_running_loop()
    status, headers, body = await loop.run_in_executor(None, http, 'POST', url, token, pc.localDescription.sdp.encode(), 'application/sdp')
    if status != 201:
        print(json.dumps({'status': status, 'body': body}), flush=True)
        await pc.close()
        return
    location = headers.get('Location') or headers.get('location')
    got = {'status': status, 'location': location, 'frames': 0, 'width': None, 'height': None, 'pts': [], 'times': []}

    @pc.on('track')
    def on_track(track):
        async def read():
            while True:
                try:
                    frame = await track.recv()
                except Exception:
                    return
                got['frames'] += 1
                got['width'], got['height'] = frame.width, frame.height
                if len(got['pts']) < 2000:
                    got['pts'].append(frame.pts)
                    got['times'].append(time.time() * 1000)
        asyncio.ensure_future(read())

    if os.environ.get("WHEP_DEBUG"): print(pc.localDescription.sdp, body, file=sys.stderr)
    await pc.setRemoteDescription(RTCSessionDescription(sdp=body, type='answer'))
    await asyncio.sleep(seconds)
    if not delete:
        # Gone without a goodbye: no DELETE, no DTLS close_notify, as a killed tab.
        print(json.dumps(got), flush=True)
        os._exit(0)
    base = url.split('/api/')[0]
    got['deleted'] = (await loop.run_in_executor(None, http, 'DELETE', base + location, token))[0]
    await pc.close()
    print(json.dumps(got), flush=True)

asyncio.run(main())
