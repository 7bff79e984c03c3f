/**
 * Greedy non-maximum suppression, as OpenCV's `cv::dnn::NMSBoxes` does it for FaceDetectorYN:
 * sort by score, keep a box unless it overlaps an already kept box by more than `iouThreshold`.
 */
export interface ScoredBox {
  x: number;
  y: number;
  width: number;
  height: number;
  score: number;
}

/** Intersection over union of two axis-aligned boxes (0 when they do not overlap). */
export function iou(
  a: Pick<ScoredBox, 'x' | 'y' | 'width' | 'height'>,
  b: Pick<ScoredBox, 'x' | 'y' | 'width' | 'height'>,
): number {
  const x1 = Math.max(a.x, b.x);
  const y1 = Math.max(a.y, b.y);
  const x2 = Math.min(a.x + a.width, b.x + b.width);
  const y2 = Math.min(a.y + a.height, b.y + b.height);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  if (inter === 0) return 0;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

/** Returns the kept boxes, best score first, at most `topK` of them. */
export function nonMaxSuppression<T extends ScoredBox>(
  boxes: readonly T[],
  iouThreshold: number,
  topK = 5000,
): T[] {
  const sorted = [...boxes].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  for (const box of sorted) {
    if (kept.length >= topK) break;
    if (kept.every((k) => iou(k, box) <= iouThreshold)) kept.push(box);
  }
  return kept;
}
