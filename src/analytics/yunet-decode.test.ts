import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeYunet, YUNET_STRIDES, type YunetStrideOutput } from './yunet-decode.js';

const W = 64;
const H = 32;

/** Empty outputs of a 64x32 input: 8x4, 4x2 and 2x1 cells. */
function emptyOutputs(): YunetStrideOutput[] {
  return YUNET_STRIDES.map((stride) => {
    const cells = (W / stride) * (H / stride);
    return {
      stride,
      cls: new Float32Array(cells),
      obj: new Float32Array(cells),
      bbox: new Float32Array(cells * 4),
      kps: new Float32Array(cells * 10),
    };
  });
}

/** Puts an anchor at cell (r, c) of the given stride's grid. */
function setCell(
  out: YunetStrideOutput,
  r: number,
  c: number,
  cls: number,
  obj: number,
  bbox: number[],
  kps: number[],
) {
  const i = r * (W / out.stride) + c;
  out.cls[i] = cls;
  out.obj[i] = obj;
  out.bbox.set(bbox, i * 4);
  out.kps.set(kps, i * 10);
}

const opts = { inputWidth: W, inputHeight: H, scoreThreshold: 0.9, nmsThreshold: 0.3, scaleX: 1, scaleY: 1 };

test('decodes box and landmarks of one anchor as OpenCV FaceDetectorYN does', () => {
  const outs = emptyOutputs();
  // Stride 8, row 2, col 3: centre ((3 + 0.5) * 8, (2 + 0.25) * 8) = (28, 18); size e^0 * 8 = 8, e^ln2 * 8 = 16.
  setCell(outs[0]!, 2, 3, 0.98, 0.96, [0.5, 0.25, 0, Math.log(2)], [0, 0, 1, 0, 0.5, 0.5, 0, 1, 1, 1]);
  const [face, ...rest] = decodeYunet(outs, opts);
  assert.equal(rest.length, 0);
  assert.ok(face);
  assert.ok(Math.abs(face.score - Math.sqrt(0.98 * 0.96)) < 1e-6);
  assert.ok(Math.abs(face.x - 24) < 1e-5 && Math.abs(face.y - 10) < 1e-5);
  assert.ok(Math.abs(face.width - 8) < 1e-5 && Math.abs(face.height - 16) < 1e-4);
  // landmark k = ((kps + c) * s, (kps + r) * s)
  const expected = [
    [24, 16],
    [32, 16],
    [28, 20],
    [24, 24],
    [32, 24],
  ];
  face.landmarks.forEach(([x, y], k) => {
    assert.ok(
      Math.abs(x - expected[k]![0]!) < 1e-5 && Math.abs(y - expected[k]![1]!) < 1e-5,
      `landmark ${k}`,
    );
  });
});

test('the score is sqrt(cls*obj) with both clamped to [0,1], and the threshold applies to it', () => {
  const outs = emptyOutputs();
  setCell(outs[1]!, 0, 0, 1.3, 0.85, [0, 0, 0, 0], new Array(10).fill(0)); // sqrt(1 * 0.85) = 0.922
  setCell(outs[1]!, 1, 3, 0.9, 0.85, [0, 0, 0, 0], new Array(10).fill(0)); // sqrt(0.765) = 0.875: dropped
  const faces = decodeYunet(outs, opts);
  assert.equal(faces.length, 1);
  assert.ok(Math.abs(faces[0]!.score - Math.sqrt(0.85)) < 1e-6);
  assert.equal(decodeYunet(outs, { ...opts, scoreThreshold: 0.8 }).length, 2);
});

test('overlapping anchors from different strides collapse to the best one (NMS 0.3)', () => {
  const outs = emptyOutputs();
  // Both centred near (20, 12) with size 16: stride 8 cell (1,2) + (0.5, 0.5); stride 16 cell (0,1) + (0.25, 0.75).
  setCell(outs[0]!, 1, 2, 0.95, 0.95, [0.5, 0.5, Math.log(2), Math.log(2)], new Array(10).fill(0));
  setCell(outs[1]!, 0, 1, 0.99, 0.99, [0.25, 0.75, 0, 0], new Array(10).fill(0));
  const faces = decodeYunet(outs, opts);
  assert.equal(faces.length, 1);
  assert.ok(Math.abs(faces[0]!.score - 0.99) < 1e-6);
});

test('coordinates are divided by the scale to land in source pixels', () => {
  const outs = emptyOutputs();
  setCell(outs[0]!, 2, 3, 0.98, 0.96, [0.5, 0.25, 0, Math.log(2)], new Array(10).fill(0));
  const [face] = decodeYunet(outs, { ...opts, scaleX: 0.5, scaleY: 0.25 });
  assert.ok(Math.abs(face!.x - 48) < 1e-5 && Math.abs(face!.y - 40) < 1e-4);
  assert.ok(Math.abs(face!.width - 16) < 1e-5 && Math.abs(face!.height - 64) < 1e-4);
});

test('tensors that do not fit the input size are refused', () => {
  const outs = emptyOutputs();
  assert.throws(() => decodeYunet(outs, { ...opts, inputWidth: 96 }), RangeError);
});
