import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { Demuxer } from 'node-av/api';
import { Fmp4FragmentWriter } from './fmp4-fragments.js';
import { writeSyntheticVideo } from './synthetic-video.js';

test('fragments in memory keep the input decode and presentation times, each cut at keyframes and 200 ms', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kadr-fmp4-fragments-'));
  try {
    const file = path.join(dir, 'in.mp4');
    // Uneven frame spacing, B-frames, a GOP of 10, starting 10 s into the stream's clock.
    await writeSyntheticVideo(file, {
      width: 96,
      height: 64,
      frames: 60,
      timescale: 90000,
      startTicks: 900_000,
      minTicks: 3000,
      spreadTicks: 1000,
      seed: 5,
      gop: 10,
      bframes: 2,
      hue: 0,
    });
    const input: { pts: bigint; dts: bigint; key: boolean }[] = [];
    const fragments: { bytes: Buffer; samples: number }[] = [];
    const demuxer = await Demuxer.open(file);
    let init: Buffer;
    try {
      const stream = demuxer.video()!;
      const par = stream.codecpar;
      const writer = new Fmp4FragmentWriter(
        {
          codec: 'h264',
          extradata: Buffer.from(par.extradata!),
          width: par.width,
          height: par.height,
          timeBase: { num: stream.timeBase.num, den: stream.timeBase.den },
        },
        { fragmentDurationUs: 200_000, onFragment: (f) => fragments.push(f) },
      );
      init = writer.init;
      for (const packet of demuxer.packetsSync(stream.index)) {
        if (!packet) break;
        input.push({ pts: packet.pts, dts: packet.dts, key: packet.isKeyframe });
        writer.write(packet);
        packet.free();
      }
      writer.close();
    } finally {
      await demuxer.close();
    }
    assert.equal(init.toString('latin1', 4, 8), 'ftyp', 'the init section is there before any frame');
    // The fragment in progress at close is dropped: only complete ones come out, each a whole fragment.
    const muxed = fragments.reduce((n, f) => n + f.samples, 0);
    assert.ok(muxed >= 50 && muxed < 60, `${muxed} frames in complete fragments`);
    for (const f of fragments) assert.ok(f.bytes.subarray(0, 64).includes('moof'));
    // Each fragment starts at a keyframe or once the previous one held 200 ms (18000 ticks).
    let at = 0;
    for (const f of fragments.slice(0, -1)) {
      const first = input[at]!;
      const next = input[at + f.samples]!;
      assert.ok(next.key || next.dts - first.dts >= 18_000n, `fragment at frame ${at}`);
      at += f.samples;
    }
    // Read back by libavformat's own demuxer: every frame with its input times (no rebasing to 0).
    const out = path.join(dir, 'out.mp4');
    writeFileSync(out, Buffer.concat([init, ...fragments.map((f) => f.bytes)]));
    const back = await Demuxer.open(out);
    try {
      const got: { pts: bigint; dts: bigint }[] = [];
      for (const packet of back.packetsSync(back.video()!.index)) {
        if (!packet) break;
        got.push({ pts: packet.pts, dts: packet.dts });
        packet.free();
      }
      assert.deepEqual(
        got,
        input.slice(0, muxed).map(({ pts, dts }) => ({ pts, dts })),
      );
    } finally {
      await back.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
