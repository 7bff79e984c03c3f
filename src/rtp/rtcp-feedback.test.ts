import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitCompoundRtcp } from './rtcp-packets.js';
import { KeyframeRequester, fullIntraRequest, offersFir, pictureLossIndication } from './rtcp-feedback.js';
import { RtpReceiver } from './rtp-receiver.js';
import { parseSdpVideo } from './sdp-video.js';

test('PLI (RFC 4585 §6.1) and FIR (RFC 5104 §4.3.1): header, SSRCs, FCI', () => {
  const pli = pictureLossIndication(0x11223344, 0xaabbccdd);
  assert.deepEqual([...pli.subarray(0, 4)], [0x81, 206, 0, 2]);
  assert.equal(pli.readUInt32BE(4), 0x11223344);
  assert.equal(pli.readUInt32BE(8), 0xaabbccdd);
  const fir = fullIntraRequest(0x11223344, 0xaabbccdd, 258);
  assert.deepEqual([...fir.subarray(0, 4)], [0x84, 206, 0, 4]);
  assert.equal(fir.readUInt32BE(8), 0, 'media source SSRC unused');
  assert.equal(fir.readUInt32BE(12), 0xaabbccdd, 'FCI: the SSRC asked');
  assert.equal(fir[16], 2, 'sequence number modulo 256');
  assert.equal(fir.length, 20);
});

test('keyframe requests: one per loss, repeated at most once a second until a keyframe comes', () => {
  let now = 0;
  const sent: Buffer[] = [];
  const rr = Buffer.from([0x80, 201, 0, 1, 0, 0, 0, 7]);
  const k = new KeyframeRequester({
    ourSsrc: 7,
    fir: true,
    receiverReport: () => rr,
    send: (p) => sent.push(p),
    now: () => now,
  });
  k.lost(99);
  assert.equal(sent.length, 1);
  const parts = splitCompoundRtcp(sent[0]!)!;
  assert.deepEqual(
    parts.map((p) => [p.packetType, p.count]),
    [
      [201, 0],
      [206, 1],
      [206, 4],
    ],
    'compound: receiver report first (RFC 4585 §3.1), then PLI and FIR',
  );
  now = 500;
  k.lost(99);
  k.poll(99);
  assert.equal(sent.length, 1, 'not again within a second');
  now = 1000;
  k.poll(99);
  assert.equal(sent.length, 2, 'no keyframe yet: asked again');
  k.keyframe();
  now = 5000;
  k.poll(99);
  assert.equal(sent.length, 2, 'a keyframe came: no more requests');
  assert.equal(k.sent, 2);
});

test('the receiver asks for a keyframe when a packet is lost; FIR only where the SDP offers it', () => {
  const sdp = (fb: string[]) =>
    ['v=0', 'm=video 0 RTP/AVP 96', 'a=rtpmap:96 H264/90000', ...fb, 'a=control:*'].join('\r\n');
  const track = parseSdpVideo(
    sdp(['a=rtcp-fb:96 nack pli', 'a=rtcp-fb:* ccm fir', 'a=rtcp-fb:97 ccm tmmbr']),
    'rtsp://h/',
  )!;
  assert.deepEqual(track.rtcpFb, ['nack pli', 'ccm fir']);
  assert.equal(offersFir(track.rtcpFb), true);
  assert.equal(offersFir(parseSdpVideo(sdp(['a=rtcp-fb:96 nack pli']), 'rtsp://h/')!.rtcpFb), false);

  const sent: Buffer[] = [];
  const receiver = new RtpReceiver(track, {
    reorderDelayMs: 0,
    sendRtcp: (p) => sent.push(p),
    onUnit: () => {},
    onBye: () => {},
  });
  const rtp = (seq: number, ts: number) => {
    const b = Buffer.alloc(14);
    b[0] = 0x80;
    b[1] = 0x80 | 96; // marker: one packet per unit
    b.writeUInt16BE(seq, 2);
    b.writeUInt32BE(ts, 4);
    b.writeUInt32BE(0x5eed, 8);
    b[12] = 0x41; // non-IDR slice
    b[13] = 0x80; // first_mb_in_slice 0
    return b;
  };
  receiver.rtp(rtp(10, 0));
  receiver.rtp(rtp(11, 3600));
  assert.equal(sent.length, 0);
  receiver.rtp(rtp(13, 10800)); // 12 lost
  receiver.close();
  assert.equal(sent.length, 1);
  const types = splitCompoundRtcp(sent[0]!)!.map((p) => [p.packetType, p.count]);
  assert.deepEqual(types, [
    [201, 1],
    [206, 1],
    [206, 4],
  ]);
  assert.equal(sent[0]!.readUInt32BE(sent[0]!.length - 32 + 8 + 0), 0x5eed, 'PLI names the sender');
  assert.equal(receiver.keyframeRequests, 1);
});
