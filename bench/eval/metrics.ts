/**
 * Scoring detections against the labels: greedy matching by IoU (best score first, each label found at
 * most once), with labels too small to count and `ignore` regions taking away what they would otherwise
 * make a false positive; precision and recall; BCubed precision and recall for identities.
 */
import { iou } from '../../src/analytics/nms.js';
import type { LabelBox } from './eval-set.js';

export interface Scored {
  x: number;
  y: number;
  width: number;
  height: number;
  score: number;
}

export interface Counts {
  tp: number;
  fp: number;
  fn: number;
}

export const MATCH_IOU = 0.5;

const asBox = (b: LabelBox) => ({ x: b[0], y: b[1], width: b[2], height: b[3] });
const sizeOf = (b: { width: number; height: number }) => Math.max(b.width, b.height);

/** Share of `d` inside region `r` (a detection mostly inside an ignore region is ignored). */
function insideShare(d: Scored, r: LabelBox): number {
  const x1 = Math.max(d.x, r[0]);
  const y1 = Math.max(d.y, r[1]);
  const x2 = Math.min(d.x + d.width, r[0] + r[2]);
  const y2 = Math.min(d.y + d.height, r[1] + r[3]);
  return (Math.max(0, x2 - x1) * Math.max(0, y2 - y1)) / (d.width * d.height);
}

/**
 * Matches one frame. Labels smaller than `minSize` (longer side) are not required, and a detection that
 * matches one, or is itself smaller than `minSize`, or lies mostly in an ignore region, is not counted.
 * Returns the counts and, for every label, the index of the detection that found it (or -1).
 */
export function matchFrame(
  detections: readonly Scored[],
  labels: readonly LabelBox[],
  options: { minSize?: number; ignore?: readonly LabelBox[]; minIou?: number } = {},
): Counts & { foundBy: number[] } {
  const minSize = options.minSize ?? 0;
  const minIou = options.minIou ?? MATCH_IOU;
  const order = detections.map((_, i) => i).sort((a, b) => detections[b]!.score - detections[a]!.score);
  const foundBy = labels.map(() => -1);
  let tp = 0;
  let fp = 0;
  for (const d of order) {
    const det = detections[d]!;
    let best = -1;
    let bestIou = minIou;
    labels.forEach((l, k) => {
      if (foundBy[k] !== -1) return;
      const o = iou(det, asBox(l));
      if (o >= bestIou) {
        bestIou = o;
        best = k;
      }
    });
    if (best >= 0) {
      foundBy[best] = d;
      if (sizeOf(asBox(labels[best]!)) >= minSize) tp++;
      continue;
    }
    if (sizeOf(det) < minSize) continue;
    if ((options.ignore ?? []).some((r) => insideShare(det, r) >= 0.5)) continue;
    fp++;
  }
  const fn = labels.filter((l, k) => foundBy[k] === -1 && sizeOf(asBox(l)) >= minSize).length;
  return { tp, fp, fn, foundBy };
}

export function add(a: Counts, b: Counts): Counts {
  return { tp: a.tp + b.tp, fp: a.fp + b.fp, fn: a.fn + b.fn };
}

export const precision = (c: Counts) => (c.tp + c.fp === 0 ? 1 : c.tp / (c.tp + c.fp));
export const recall = (c: Counts) => (c.tp + c.fn === 0 ? 1 : c.tp / (c.tp + c.fn));

/**
 * BCubed precision and recall of a clustering: each item has its true id and the cluster it was put in.
 * Precision: for each item, the share of its cluster that has its id; recall: the share of its id's items
 * that are in its cluster; both averaged over items.
 */
export function bcubed(items: readonly { truth: string; cluster: string }[]): {
  p: number;
  r: number;
  f1: number;
} {
  if (items.length === 0) return { p: 1, r: 1, f1: 1 };
  let p = 0;
  let r = 0;
  for (const a of items) {
    const sameCluster = items.filter((b) => b.cluster === a.cluster);
    const sameTruth = items.filter((b) => b.truth === a.truth);
    p += sameCluster.filter((b) => b.truth === a.truth).length / sameCluster.length;
    r += sameTruth.filter((b) => b.cluster === a.cluster).length / sameTruth.length;
  }
  p /= items.length;
  r /= items.length;
  return { p, r, f1: (2 * p * r) / (p + r) };
}
