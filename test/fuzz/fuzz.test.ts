/**
 * Bounded, deterministic fuzzing of what kadr parses from the network: the RTSP request parser, the
 * SDP reader and the H.264/H.265 depacketizers (test/fuzz/targets.ts). Every run replays the corpus
 * (test/fuzz/corpus/<target>/: inputs that once broke something, kept as regressions), then mutates the
 * valid seeds from a fixed seed for a fixed number of rounds (truncation, bit flips, huge lengths,
 * random bytes, splices), so a failure names its round and reproduces exactly. KADR_FUZZ_ROUNDS and
 * KADR_FUZZ_SEED run it longer or elsewhere; a failing input is written next to the corpus to keep.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type FuzzTarget, targets } from './targets.js';

const corpusDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'corpus');
const ROUNDS = Number(process.env.KADR_FUZZ_ROUNDS ?? 3000);
const SEED = Number(process.env.KADR_FUZZ_SEED ?? 0x6b616472);
/** One input must not take longer than this (a hang or a quadratic blow-up). */
const INPUT_BUDGET_MS = 250;

/** mulberry32: small, fast, and the same sequence on every machine. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function mutate(seeds: Buffer[], random: () => number): Buffer {
  const pick = () => seeds[Math.floor(random() * seeds.length)]!;
  const int = (n: number) => Math.floor(random() * n);
  let b = Buffer.from(pick());
  for (let steps = 1 + int(4); steps > 0; steps--) {
    switch (int(7)) {
      case 0: // truncation
        b = b.subarray(0, int(b.length + 1));
        break;
      case 1: // bit flips
        for (let i = 1 + int(8); i > 0 && b.length > 0; i--) b[int(b.length)]! ^= 1 << int(8);
        break;
      case 2: // a huge length where a length field may be
        if (b.length >= 2) b.writeUInt16BE(random() < 0.5 ? 0xffff : int(0x10000), int(b.length - 1));
        break;
      case 3: // random bytes inserted
        b = Buffer.concat([
          b.subarray(0, int(b.length + 1)),
          Buffer.from(Array.from({ length: int(64) }, () => int(256))),
          b.subarray(int(b.length + 1)),
        ]);
        break;
      case 4: // splice with another seed
        b = Buffer.concat([b.subarray(0, int(b.length + 1)), pick().subarray(int(pick().length))]);
        break;
      case 5: // a slice repeated
        {
          const from = int(b.length + 1);
          const slice = b.subarray(from, from + 1 + int(32));
          b = Buffer.concat([b, ...Array.from({ length: 1 + int(64) }, () => slice)]);
        }
        break;
      default: // all random
        b = Buffer.from(Array.from({ length: int(600) }, () => int(256)));
    }
  }
  return b;
}

function checkOne(target: FuzzTarget, input: Buffer, what: string): void {
  const t0 = performance.now();
  try {
    target.check(input, prng(input.length));
  } catch (e) {
    const dir = path.join(corpusDir, target.name);
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `failing-${Date.now()}.bin`);
    writeFileSync(file, input);
    throw new Error(
      `${target.name} ${what}: ${String(e)} (input kept in ${path.relative(process.cwd(), file)})`,
      {
        cause: e,
      },
    );
  }
  const ms = performance.now() - t0;
  assert.ok(ms < INPUT_BUDGET_MS, `${target.name} ${what}: one input took ${ms.toFixed(0)} ms`);
}

for (const target of targets) {
  test(`fuzz ${target.name}: corpus, seeds and ${ROUNDS} mutations`, () => {
    const dir = path.join(corpusDir, target.name);
    const corpus = existsSync(dir) ? readdirSync(dir).sort() : [];
    for (const name of corpus) checkOne(target, readFileSync(path.join(dir, name)), `corpus ${name}`);
    target.seeds.forEach((s, i) => checkOne(target, s, `seed ${i}`));
    const random = prng(SEED ^ target.name.length);
    const rssBefore = process.memoryUsage().rss;
    for (let round = 0; round < ROUNDS; round++) {
      checkOne(target, mutate(target.seeds, random), `round ${round} (seed ${SEED})`);
    }
    const growthMiB = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    assert.ok(growthMiB < 200, `RSS grew ${growthMiB.toFixed(0)} MiB`);
  });
}
