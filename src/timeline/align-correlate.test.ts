import assert from 'node:assert/strict';
import { test } from 'node:test';
import { correlateSignatures, type MotionSignature, resample } from './align-correlate.js';

/** A scene's motion: bursts at seeded random moments; cumulative motion up to t (ms). */
function scene(seed: number, lengthMs: number): (t: number) => number {
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const bursts = Array.from({ length: Math.round(lengthMs / 300) }, () => ({
    at: rnd() * lengthMs,
    width: 30 + rnd() * 200,
    size: rnd() * 10,
  }));
  return (t) => bursts.reduce((sum, b) => sum + b.size * Math.min(1, Math.max(0, (t - b.at) / b.width)), 0);
}

/** A camera that starts at `startMs` of the scene, with the given frame times: change between frames. */
function camera(cum: (t: number) => number, startMs: number, frameTimesMs: number[]): MotionSignature {
  const motion = frameTimesMs.map((t, i) =>
    i === 0 ? 0 : cum(startMs + t) - cum(startMs + frameTimesMs[i - 1]!),
  );
  const last = frameTimesMs[frameTimesMs.length - 1]!;
  return {
    timesMs: frameTimesMs,
    motion,
    durationMs: last + (last - frameTimesMs[frameTimesMs.length - 2]!),
  };
}

const every = (stepMs: number, count: number) => Array.from({ length: count }, (_, i) => i * stepMs);

test('the lag between two cameras at different frame rates, to a fraction of a frame', () => {
  const cum = scene(7, 40_000);
  const a = camera(cum, 1000, every(1000 / 30, 900)); // 30 fps, 30 s
  const b = camera(cum, 1000 + 4321.5, every(40, 600)); // 25 fps, 24 s, starting 4321.5 ms later
  const r = correlateSignatures(a, b)!;
  // Within a sixth of the shorter frame interval (33 ms), and an error estimate of that order.
  assert.ok(Math.abs(r.lagMs - 4321.5) < 6, `lag ${r.lagMs}`);
  assert.ok(r.peak > 0.5, `peak ${r.peak}`);
  assert.ok(r.errorMs > 0 && r.errorMs < 10, `error ${r.errorMs}`);
  // The other way round: b before a gives the negative lag.
  const back = correlateSignatures(b, a)!;
  assert.ok(Math.abs(back.lagMs + 4321.5) < 6, `lag ${back.lagMs}`);
});

test('variable frame intervals are timed by their own times', () => {
  const cum = scene(11, 30_000);
  let t = 0;
  const vfr = Array.from({ length: 500 }, () => (t += 25 + ((t * 7919) % 31)));
  const a = camera(cum, 0, every(40, 600));
  const b = camera(
    cum,
    2500,
    vfr.map((v) => v - vfr[0]!),
  );
  const r = correlateSignatures(a, b)!;
  assert.ok(Math.abs(r.lagMs - 2500) < 5, `lag ${r.lagMs}`);
});

test('nothing to align on: a still picture gives none, too little overlap a large error', () => {
  const cum = scene(3, 20_000);
  const still: MotionSignature = {
    timesMs: every(40, 200),
    motion: every(40, 200).map(() => 0),
    durationMs: 8000,
  };
  assert.equal(correlateSignatures(camera(cum, 0, every(40, 200)), still), null);
  const a = camera(cum, 0, every(40, 100));
  const b = camera(cum, 3900, every(40, 100));
  // The true overlap (100 ms) is below the minimum: a chance match, whose parts scatter.
  const r = correlateSignatures(a, b, { minOverlapMs: 2000, maxLagMs: 5000 });
  assert.ok(r === null || r.errorMs > 100, `a chance match claims ${r?.errorMs} ms`);
});

test('resampling keeps the total change whatever the grid', () => {
  const sig: MotionSignature = { timesMs: [0, 40, 100, 130], motion: [0, 4, 6, 3], durationMs: 160 };
  for (const step of [1, 7, 10]) {
    const cells = resample(sig, step);
    const total = cells.reduce((s, v) => s + v * step, 0);
    const covered = Math.floor(130 / step) * step;
    const expected = covered >= 130 ? 13 : 13 - (3 * (130 - covered)) / 30;
    assert.ok(Math.abs(total - expected) < 1e-9, `step ${step}: ${total} vs ${expected}`);
  }
});
