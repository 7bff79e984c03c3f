/**
 * How right kadr's analytics are on real footage: runs the detectors on the labelled evaluation set
 * (test/eval/README.md) and prints
 *   (a) faces: precision and recall at the defaults, and a sweep over score threshold × detection size;
 *       faces of 24 px and more (longer side) count, smaller ones count neither way;
 *   (b) persons (YOLOX-nano, COCO class 0): the same over the score threshold;
 *   (c) people: kadr's whole people pass (analyzeVideoPeople) per clip, then across clips the way the
 *       server matches a new video's people against the profiles it already has; BCubed precision,
 *       recall and F1 of the labelled faces' grouping, and profiles against the true number of people,
 *       for a sweep over the same-person distance.
 * A detection matches a label at IoU >= 0.5 (bench/eval/metrics.ts), greedily, best score first.
 *
 * usage: node --import tsx bench/eval-analytics.ts [--only faces|persons|people]
 */
import { parseArgs } from 'node:util';
import { FaceDetector, type PlanarBgr } from '../src/analytics/index.js';
import { PlanarScaler } from '../src/analytics/face-crop.js';
import type { DetectionSize } from '../src/analytics/detection-size.js';
import { DEFAULT_SCORE_THRESHOLD } from '../src/analytics/yunet-decode.js';
import { configureFfmpegLog } from '../src/media/index.js';
import { DEFAULT_OBJECT_SCORE, ObjectDetector } from '../src/analytics/object-detector.js';
import { PERSON_CLASS } from '../src/analytics/coco-classes.js';
import { CLIPS, forEachFrame, readLabels, type ClipLabels } from './eval/eval-set.js';
import { add, matchFrame, precision, recall, type Counts, type Scored } from './eval/metrics.js';
import { evaluatePeople } from './eval/people-eval.js';

configureFfmpegLog();
const { values } = parseArgs({ options: { only: { type: 'string' } } });
const want = (part: string) => !values.only || values.only === part;

export const MIN_FACE = 24;
const zero = (): Counts => ({ tp: 0, fp: 0, fn: 0 });
const f2 = (v: number) => v.toFixed(3);

/** A detection size `factor` × the source (even sizes, multiples of 32 for the network). */
function sizeAt(w: number, h: number, factor: number): DetectionSize {
  const even = (v: number) => Math.max(2, Math.round((v * factor) / 2) * 2);
  const width = even(w);
  const height = even(h);
  const up = (v: number) => Math.ceil(v / 32) * 32;
  return {
    width,
    height,
    inputWidth: up(width),
    inputHeight: up(height),
    scaleX: width / w,
    scaleY: height / h,
  };
}

interface FrameResult {
  labels: ClipLabels['frames'][number];
  found: Scored[];
}

const labelsOf = new Map<string, ClipLabels>();
for (const { clip } of CLIPS) labelsOf.set(clip, await readLabels(clip));

function table(
  title: string,
  runs: Map<string, FrameResult[]>,
  thresholds: number[],
  pick: (f: FrameResult['labels']) => { boxes: [number, number, number, number][]; minSize: number },
): void {
  console.log(`\n${title}`);
  console.log(['setting', ...thresholds.map((t) => `score>=${t}: P / R`)].join(' | '));
  for (const [name, frames] of runs) {
    const cells = thresholds.map((t) => {
      let c = zero();
      for (const f of frames) {
        const { boxes, minSize } = pick(f.labels);
        c = add(
          c,
          matchFrame(
            f.found.filter((d) => d.score >= t),
            boxes,
            { minSize, ignore: f.labels.ignore },
          ),
        );
      }
      return `${f2(precision(c))} / ${f2(recall(c))}`;
    });
    console.log([name, ...cells].join(' | '));
  }
}

if (want('faces')) {
  const factors: [string, (w: number, h: number) => DetectionSize][] = [
    ['longer side <= 640 (the old default)', (w, h) => sizeAt(w, h, Math.min(1, 640 / Math.max(w, h)))],
    ['0.5 x source', (w, h) => sizeAt(w, h, 0.5)],
    ['0.67 x source', (w, h) => sizeAt(w, h, 2 / 3)],
    ['source size', (w, h) => sizeAt(w, h, 1)],
    ['1.5 x source', (w, h) => sizeAt(w, h, 1.5)],
    ['2 x source', (w, h) => sizeAt(w, h, 2)],
  ];
  const detector = await FaceDetector.create({ scoreThreshold: 0.3 });
  const scaler = new PlanarScaler();
  const runs = new Map<string, FrameResult[]>();
  const perClip = new Map<string, Counts>();
  for (const [name, sizeFor] of factors) {
    const frames: FrameResult[] = [];
    for (const { clip, step } of CLIPS) {
      const labels = new Map(labelsOf.get(clip)!.frames.map((f) => [f.index, f]));
      await forEachFrame(clip, step, async (frame, labelled) => {
        if (!labelled || !labels.has(frame.frameIndex)) return;
        const size = sizeFor(frame.width, frame.height);
        const pic: PlanarBgr =
          size.width === frame.width && size.height === frame.height
            ? frame
            : scaler.scale(frame, size.width, size.height);
        const found = await detector.detectPlanar(pic, size);
        frames.push({ labels: labels.get(frame.frameIndex)!, found });
        if (name === 'source size') {
          const c = matchFrame(
            found.filter((d) => d.score >= DEFAULT_SCORE_THRESHOLD),
            labels.get(frame.frameIndex)!.faces.map((x) => x.box),
            { minSize: MIN_FACE, ignore: labels.get(frame.frameIndex)!.ignore },
          );
          perClip.set(clip, add(perClip.get(clip) ?? zero(), c));
        }
      });
    }
    runs.set(name, frames);
  }
  table(`(a) faces >= ${MIN_FACE} px, IoU >= 0.5`, runs, [0.3, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9], (f) => ({
    boxes: f.faces.map((x) => x.box),
    minSize: MIN_FACE,
  }));
  console.log(`\nfaces per clip at source size, score >= ${DEFAULT_SCORE_THRESHOLD} (the default):`);
  for (const [clip, c] of perClip)
    console.log(`  ${clip}: P ${f2(precision(c))} R ${f2(recall(c))} (tp ${c.tp} fp ${c.fp} fn ${c.fn})`);
  scaler.close();
  await detector.close();
}

if (want('persons')) {
  const detector = await ObjectDetector.create({ scoreThreshold: 0.1 });
  const scaler = new PlanarScaler();
  const frames: FrameResult[] = [];
  const perClip = new Map<string, Counts>();
  for (const { clip, step } of CLIPS) {
    const labels = new Map(labelsOf.get(clip)!.frames.map((f) => [f.index, f]));
    await forEachFrame(clip, step, async (frame, labelled) => {
      if (!labelled || !labels.has(frame.frameIndex)) return;
      const size = detector.sizeFor(frame.width, frame.height);
      const found = (await detector.detectPlanar(scaler.scale(frame, size.width, size.height), size)).filter(
        (d) => d.classId === PERSON_CLASS,
      );
      const l = labels.get(frame.frameIndex)!;
      frames.push({ labels: l, found });
      const c = matchFrame(
        found.filter((d) => d.score >= DEFAULT_OBJECT_SCORE),
        l.persons,
        { ignore: l.ignore },
      );
      perClip.set(clip, add(perClip.get(clip) ?? zero(), c));
    });
  }
  table(
    '(b) persons, IoU >= 0.5',
    new Map([['YOLOX-nano 416', frames]]),
    [0.2, 0.3, 0.4, 0.5, 0.55, 0.6, 0.7],
    (f) => ({
      boxes: f.persons,
      minSize: 0,
    }),
  );
  console.log(`\npersons per clip, score >= ${DEFAULT_OBJECT_SCORE} (the default):`);
  for (const [clip, c] of perClip)
    console.log(`  ${clip}: P ${f2(precision(c))} R ${f2(recall(c))} (tp ${c.tp} fp ${c.fp} fn ${c.fn})`);
  scaler.close();
  await detector.close();
}

if (want('people')) await evaluatePeople(labelsOf);
