import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeYolox, YOLOX_ROW } from './yolox-decode.js';

const ROWS = 52 * 52 + 26 * 26 + 13 * 13;

/** An output tensor with every cell empty except the given rows. */
function output(
  cells: {
    row: number;
    dx: number;
    dy: number;
    lw: number;
    lh: number;
    obj: number;
    cls: number;
    p: number;
  }[],
) {
  const out = new Float32Array(ROWS * YOLOX_ROW);
  for (const c of cells) {
    const b = c.row * YOLOX_ROW;
    out.set([c.dx, c.dy, c.lw, c.lh, c.obj], b);
    out[b + 5 + c.cls] = c.p;
  }
  return out;
}

const opts = {
  inputSize: 416,
  scoreThreshold: 0.5,
  nmsThreshold: 0.45,
  scale: 0.5,
  sourceWidth: 832,
  sourceHeight: 468,
};

test('a stride-8 cell decodes to a box in source pixels, score = objectness × class probability', () => {
  // row 52*3 + 10 = cell (gx 10, gy 3) of stride 8: centre ((10+0.5)*8, (3+0.5)*8) = (84, 28), size e^0*8 = 8.
  const found = decodeYolox(
    output([{ row: 52 * 3 + 10, dx: 0.5, dy: 0.5, lw: 0, lh: Math.log(2), obj: 0.9, cls: 0, p: 0.8 }]),
    opts,
  );
  assert.equal(found.length, 1);
  const d = found[0]!;
  assert.equal(d.classId, 0);
  assert.ok(Math.abs(d.score - 0.72) < 1e-6);
  // input box x 80..88, y 20..36 → divided by the scale 0.5.
  assert.deepEqual(
    [d.x, d.y, d.width, d.height].map((v) => Math.round(v * 1000) / 1000),
    [160, 40, 16, 32],
  );
});

test('rows of strides 16 and 32 follow those of stride 8, row-major', () => {
  const first16 = 52 * 52;
  const first32 = first16 + 26 * 26;
  const found = decodeYolox(
    output([
      { row: first16 + 26 + 1, dx: 0, dy: 0, lw: 0, lh: 0, obj: 1, cls: 2, p: 0.9 }, // (1,1) of stride 16
      { row: first32 + 13 * 12 + 12, dx: 0, dy: 0, lw: 0, lh: 0, obj: 1, cls: 0, p: 0.6 }, // (12,12) of stride 32
    ]),
    { ...opts, scale: 1, sourceWidth: 416, sourceHeight: 416 },
  );
  const car = found.find((d) => d.classId === 2)!;
  assert.deepEqual([car.x, car.y, car.width, car.height], [8, 8, 16, 16]);
  const person = found.find((d) => d.classId === 0)!;
  // centre (384, 384), 32×32, clipped at the 416 edge: 368..400.
  assert.deepEqual([person.x, person.y, person.width, person.height], [368, 368, 32, 32]);
});

test('below the threshold nothing is kept; overlapping boxes of one class are suppressed, of two classes kept', () => {
  assert.equal(
    decodeYolox(output([{ row: 5, dx: 0, dy: 0, lw: 0, lh: 0, obj: 0.6, cls: 0, p: 0.6 }]), opts).length,
    0,
  );
  const same = decodeYolox(
    output([
      { row: 100, dx: 0, dy: 0, lw: 2, lh: 2, obj: 1, cls: 0, p: 0.9 },
      { row: 101, dx: 0, dy: 0, lw: 2, lh: 2, obj: 1, cls: 0, p: 0.8 },
    ]),
    opts,
  );
  assert.equal(same.length, 1);
  assert.ok(Math.abs(same[0]!.score - 0.9) < 1e-6);
  const two = decodeYolox(
    output([
      { row: 100, dx: 0, dy: 0, lw: 2, lh: 2, obj: 1, cls: 0, p: 0.9 },
      { row: 101, dx: 0, dy: 0, lw: 2, lh: 2, obj: 1, cls: 56, p: 0.8 },
    ]),
    opts,
  );
  assert.deepEqual(
    two.map((d) => d.classId),
    [0, 56],
  );
});
