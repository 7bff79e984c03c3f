/**
 * The shared packet cache is only worth having if a client cannot tell it from its own reader: for
 * every fixture (VFR, B-frames, H.264 in MP4 and Matroska, H.265, MPEG-4 Part 2), a CachedRtpTrack and
 * an RtpFileTrack over the same file send byte-identical RTP payloads, the same markers, RTP timestamps
 * that differ only by their random base, the same send times, through a loop into the second pass and
 * after seeks.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RtpFileTrack } from '../../../src/media/rtp-file-track.js';
import { CachedRtpTrack } from '../../../src/streams/cached-rtp-track.js';
import type { PacedRtpTrack } from '../../../src/streams/paced-track.js';
import { ByteBudget, RtpUnitCache } from '../../../src/streams/rtp-unit-cache.js';
import { getFixture } from '../../fixtures/index.js';

interface Sent {
  sendTicks: bigint;
  packets: Buffer[];
}

/** Opens the two tracks of one file side by side; each collects what it sends per step. */
async function pair(path: string, cache: RtpUnitCache) {
  const out = { own: [] as Buffer[], cached: [] as Buffer[] };
  const own = await RtpFileTrack.open({
    path,
    loop: true,
    ssrc: 0x1234,
    seq: 500,
    onRtp: (p) => out.own.push(Buffer.from(p)),
  });
  const cached = new CachedRtpTrack(cache, {
    loop: true,
    ssrc: 0x1234,
    seq: 500,
    out: {
      packet: (p) => out.cached.push(Buffer.from(p)),
      packets: (data, lengths) => {
        let at = 0;
        for (const length of lengths) {
          out.cached.push(Buffer.from(data.subarray(at, at + length)));
          at += length;
        }
      },
    },
    onClose: () => {},
  });
  const step = async (t: PacedRtpTrack, sink: Buffer[]): Promise<Sent | null> => {
    const sendTicks = await t.peekSendTicks();
    if (sendTicks === null) return null;
    sink.length = 0;
    assert.equal(await t.sendNext(), true);
    return { sendTicks, packets: [...sink] };
  };
  return { own, cached, stepOwn: () => step(own, out.own), stepCached: () => step(cached, out.cached) };
}

/**
 * `baseA`/`baseB`: each track's RTP time of NPT 0 (a seek gives the own track a new base). Send times
 * are compared when reading in order: after a seek, libavformat's Matroska demuxer gives the first
 * packets no DTS (read in order it has them), so the own reader falls back to their PTS there while the
 * cache still knows the DTS; pacing is anchored on the first packet either way.
 */
function assertSameStep(
  a: Sent,
  b: Sent,
  baseA: number,
  baseB: number,
  where: string,
  sendTimes = true,
): void {
  if (sendTimes) assert.equal(b.sendTicks, a.sendTicks, `${where}: send time`);
  assert.equal(b.packets.length, a.packets.length, `${where}: RTP packets per file packet`);
  a.packets.forEach((pa, i) => {
    const pb = b.packets[i]!;
    assert.ok(pa.subarray(12).equals(pb.subarray(12)), `${where}: payload of packet ${i}`);
    assert.equal(pb[1], pa[1], `${where}: marker and payload type`);
    assert.equal(pb.readUInt16BE(2), pa.readUInt16BE(2), `${where}: sequence number`);
    assert.equal(pb.readUInt32BE(8), pa.readUInt32BE(8), `${where}: SSRC`);
    assert.equal(
      (pb.readUInt32BE(4) - baseB) >>> 0,
      (pa.readUInt32BE(4) - baseA) >>> 0,
      `${where}: RTP time`,
    );
  });
}

for (const name of [
  'h264-mp4-ms',
  'h264-mp4-90k-longgop',
  'h264-mkv-offset',
  'hevc-mkv-offset',
  'mpeg4-mp4',
]) {
  test(`${name}: cached packets equal a client's own reader, through a loop and after seeks`, async () => {
    const fixture = getFixture(name);
    const budget = new ByteBudget(64 * 2 ** 20);
    const cache = await RtpUnitCache.open(fixture.path, budget);
    assert.ok(cache instanceof RtpUnitCache, `a passthrough codec is cached (${String(cache)})`);
    const { own, cached, stepOwn, stepCached } = await pair(fixture.path, cache);
    try {
      assert.equal(await cached.nptZeroPts(), await own.nptZeroPts());
      // the first pass, and 10 packets into the second
      const steps = fixture.frames.length + 10;
      const zero = await own.nptZeroPts();
      let baseOwn = 0;
      let baseCached = 0;
      for (let i = 0; i < steps; i++) {
        const a = await stepOwn();
        const b = await stepCached();
        assert.ok(a && b, `packet ${i} exists in both`);
        if (i === 0) {
          baseOwn = own.rtpTimestampFor(zero)!;
          baseCached = cached.rtpTimestampFor(zero)!;
          assert.equal(cached.startPts, own.startPts);
        }
        assertSameStep(a, b, baseOwn, baseCached, `packet ${i}`);
      }
      assert.ok(cache.complete, 'the whole file went through the cache');
      assert.equal(cache.length, fixture.frames.length);
      assert.equal(
        (cached.rtpTimestampFor(zero + 12345n)! - baseCached) >>> 0,
        (own.rtpTimestampFor(zero + 12345n)! - baseOwn) >>> 0,
        'the RTP clock maps stream time alike',
      );

      const keyTimes = fixture.frames.filter((f) => f.key).map((f) => Number(f.pts - fixture.frames[0]!.pts));
      const tb = fixture.timeBase;
      const lastSec = Number(fixture.frames.at(-1)!.pts - fixture.frames[0]!.pts) * (tb.num / tb.den);
      for (const sec of [lastSec * 0.6, 0, lastSec * 0.35, lastSec + 5]) {
        await own.seek(sec);
        await cached.seek(sec);
        const first = { own: await stepOwn(), cached: await stepCached() };
        assert.ok(first.own && first.cached);
        baseOwn = own.rtpTimestampFor(zero)!;
        assert.equal(cached.startPts, own.startPts, `seek to ${sec.toFixed(3)} s lands on the same keyframe`);
        const landed = Number(cached.startPts! - zero) * (tb.num / tb.den);
        const expected = Math.max(
          ...keyTimes.map((t) => t * (tb.num / tb.den)).filter((t) => t <= sec + 1e-9),
        );
        assert.ok(Math.abs(landed - expected) < 1e-6, `keyframe at or before ${sec.toFixed(3)} s`);
        const mkv = fixture.path.endsWith('.mkv');
        assertSameStep(
          first.own,
          first.cached,
          baseOwn,
          baseCached,
          `after seek to ${sec.toFixed(3)} s`,
          !mkv,
        );
        for (let i = 0; i < 5; i++) {
          const a = await stepOwn();
          const b = await stepCached();
          assert.ok(a && b);
          assertSameStep(
            a,
            b,
            baseOwn,
            baseCached,
            `packet ${i + 1} after seek to ${sec.toFixed(3)} s`,
            !mkv,
          );
        }
      }
    } finally {
      await own.close();
      await cached.close();
      await cache.dispose();
    }
    assert.equal(budget.inUse, 0, 'disposing gives the whole reservation back');
  });
}

test('a transcoded codec and a file over budget are not cached; the budget is shared', async () => {
  const vp9 = getFixture('vp9-mkv');
  const h264 = getFixture('h264-mp4-ms');
  assert.equal(await RtpUnitCache.open(vp9.path, new ByteBudget(64 * 2 ** 20)), 'transcoded');
  assert.equal(await RtpUnitCache.open(h264.path, new ByteBudget(1000)), 'over-budget');
  const budget = new ByteBudget(64 * 2 ** 20);
  const cache = await RtpUnitCache.open(h264.path, budget);
  assert.ok(cache instanceof RtpUnitCache);
  const reserved = budget.inUse;
  assert.ok(reserved > 0);
  await cache.unit(1e9);
  assert.ok(cache.complete);
  assert.equal(budget.inUse, cache.memoryBytes, 'once complete only the memory held stays reserved');
  assert.ok(cache.memoryBytes < reserved && cache.byteLength <= cache.memoryBytes);
  await cache.dispose();
  assert.equal(budget.inUse, 0);
});
