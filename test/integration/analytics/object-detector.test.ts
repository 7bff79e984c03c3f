/**
 * ObjectDetector (YOLOX-nano) on real pictures: messi5.jpg, where OpenCV's cv2.dnn with the same model
 * found the player as a person (0.86) and the ball as a sports ball (0.89) (models/README.md), and a frame of the
 * evaluation set's vtest clip with its labelled pedestrians (test/eval/labels/vtest-0-20s.json).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { ObjectDetector } from '../../../src/analytics/object-detector.js';
import { COCO_CLASSES, PERSON_CLASS } from '../../../src/analytics/coco-classes.js';
import { iou } from '../../../src/analytics/nms.js';
import { VideoFrameReader } from '../../../src/media/index.js';
import { loadPicture } from './images.js';
import { FIXTURES } from './face-video.js';

const EVAL = path.resolve(import.meta.dirname, '../../eval');
let detector: ObjectDetector;
before(async () => {
  detector = await ObjectDetector.create();
});
after(() => detector.close());

test('messi5.jpg: the player and the ball, with the scores OpenCV gives', async () => {
  const p = await loadPicture(path.join(FIXTURES, 'messi5.jpg'), 'bgr24');
  const found = await detector.detect(p.planes[0]!, p.width, p.height);
  // The other persons are spectators, blurred, at the left edge of the stand behind him.
  const persons = found.filter(
    (d) => d.classId === PERSON_CLASS && d.width * d.height > 0.2 * p.width * p.height,
  );
  const balls = found.filter((d) => COCO_CLASSES[d.classId] === 'sports ball');
  assert.ok(
    found.every((d) => d === persons[0] || d === balls[0] || (d.classId === PERSON_CLASS && d.x < 110)),
    JSON.stringify(found),
  );
  assert.equal(persons.length, 1, JSON.stringify(found));
  assert.equal(balls.length, 1, JSON.stringify(found));
  assert.ok(Math.abs(persons[0]!.score - 0.86) < 0.03, `person score ${persons[0]!.score}`);
  assert.ok(Math.abs(balls[0]!.score - 0.89) < 0.03, `ball score ${balls[0]!.score}`);
  // The face YuNet finds at x=227 y=93 (models/README.md) lies inside the person box.
  const b = persons[0]!;
  assert.ok(b.x < 227 && b.y < 93 && b.x + b.width > 257 && b.y + b.height > 131, JSON.stringify(b));
  const ball = balls[0]!;
  assert.ok(ball.x > 320 && ball.x + ball.width < 400 && ball.y > 280, JSON.stringify(ball));
});

test('vtest frame 40: every labelled pedestrian found at IoU >= 0.5', async () => {
  const labels = JSON.parse(await readFile(path.join(EVAL, 'labels/vtest-0-20s.json'), 'utf8')) as {
    frames: { index: number; persons: [number, number, number, number][] }[];
  };
  const truth = labels.frames.find((f) => f.index === 40)!.persons;
  const reader = await VideoFrameReader.open(path.join(EVAL, 'media/vtest-0-20s.mp4'));
  const size = detector.sizeFor(reader.width, reader.height);
  let persons: { x: number; y: number; width: number; height: number }[] = [];
  for await (const frame of reader.readPlanarBgr({ width: size.width, height: size.height })) {
    if (frame.frameIndex < 40) continue;
    persons = (await detector.detectPlanar(frame, size)).filter((d) => d.classId === PERSON_CLASS);
    break;
  }
  for (const [x, y, width, height] of truth) {
    const best = Math.max(0, ...persons.map((p) => iou(p, { x, y, width, height })));
    assert.ok(best >= 0.5, `pedestrian at ${x},${y} found with IoU ${best.toFixed(2)}`);
  }
  assert.ok(persons.length <= truth.length + 1, `${persons.length} persons for ${truth.length} labelled`);
});
