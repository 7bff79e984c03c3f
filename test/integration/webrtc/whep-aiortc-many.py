#!/usr/bin/python3
# Many WHEP viewers joining and leaving (aiortc, one process): ROUNDS times, VIEWERS at once each
# POST an offer, wait for their first decoded frame, DELETE the session and close. Prints one JSON
# line: the POST and DELETE statuses seen and the viewers that got a frame.
# usage: whep-aiortc-many.py URL TOKEN ROUNDS VIEWERS
import asyncio, json, sys, urllib.request, urllib.error
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.rtcrtpsender import RTCRtpSender

def http(method, url, token, body=None, ctype=None):
    req = urllib.request.Request(url, data=body, method=method)
    req.add_header('Authorization', 'Bearer ' + token)
    if ctype:
        req.add_header('Content-Type', ctype)
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()

async def viewer(url, token, out):
    loop = asyncio.get_running_loop()
    pc = RTCPeerConnection()
    t = pc.addTransceiver('video', direction='recvonly')
    t.setCodecPreferences([c for c in RTCRtpSender.getCapabilities('video').codecs if c.mimeType == 'video/H264'])
    await pc.setLocalDescription(await pc.createOffer())
    status, headers, body = await loop.run_in_executor(None, http, 'POST', url, token, pc.localDescription.sdp.encode(), 'application/sdp')
    out['post'].append(status)
    if status != 201:
        await pc.close()
        return
    first = asyncio.get_running_loop().create_future()

    @pc.on('track')
    def on_track(track):
        async def read():
            try:
                await track.recv()
                if not first.done():
                    first.set_result(True)
            except Exception:
                pass
        asyncio.ensure_future(read())

    await pc.setRemoteDescription(RTCSessionDescription(sdp=body, type='answer'))
    try:
        await asyncio.wait_for(first, 15)
        out['framed'] += 1
    except asyncio.TimeoutError:
        pass
    base = url.split('/api/')[0]
    out['delete'].append((await loop.run_in_executor(None, http, 'DELETE', base + (headers.get('Location') or headers.get('location')), token))[0])
    await pc.close()

async def main():
    url, token, rounds, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    out = {'post': [], 'delete': [], 'framed': 0}
    for _ in range(rounds):
        await asyncio.gather(*[viewer(url, token, out) for _ in range(n)])
    print(json.dumps(out), flush=True)

asyncio.run(main())
