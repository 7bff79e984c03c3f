/**
 * Cutting and joining appearances (one profile in one video) for the corrections. Spans are stretches
 * on screen, ms after the first frame, both ends being frames that show the person. Only the total
 * frame count is stored, not a count per span, so a part gets the frames in proportion to its time on
 * screen (a span of one frame counts 1 ms).
 */
import type { NewAppearance } from '../../db/index.js';

export interface Span {
  firstMs: number;
  lastMs: number;
}

const onScreen = (spans: Span[]) => spans.reduce((n, s) => n + s.lastMs - s.firstMs + 1, 0);

function withSpans(a: NewAppearance, spans: Span[], frames: number, holdsCrop: boolean): NewAppearance {
  return {
    ...a,
    firstMs: Math.min(...spans.map((s) => s.firstMs)),
    lastMs: Math.max(...spans.map((s) => s.lastMs)),
    frames,
    spans,
    cropFrameIndex: holdsCrop ? a.cropFrameIndex : null,
    cropMs: holdsCrop ? a.cropMs : null,
  };
}

/**
 * The appearance before `atMs` (it stays) and from `atMs` on (it moves). A span across `atMs` is cut:
 * its first part ends 1 ms before `atMs`. The caller checks firstMs < atMs <= lastMs.
 */
export function cutSpans(a: NewAppearance, atMs: number): { stay: NewAppearance; moved: NewAppearance } {
  const before: Span[] = [];
  const after: Span[] = [];
  for (const s of a.spans) {
    if (s.lastMs < atMs) before.push(s);
    else if (s.firstMs >= atMs) after.push(s);
    else {
      before.push({ firstMs: s.firstMs, lastMs: atMs - 1 });
      after.push({ firstMs: atMs, lastMs: s.lastMs });
    }
  }
  const movedFrames = Math.min(
    a.frames - 1,
    Math.max(1, Math.round((a.frames * onScreen(after)) / onScreen([...before, ...after]))),
  );
  const cropAfter = a.cropMs !== null && a.cropMs >= atMs;
  return {
    stay: withSpans(a, before, a.frames - movedFrames, a.cropMs !== null && !cropAfter),
    moved: withSpans(a, after, movedFrames, cropAfter),
  };
}

/** Two appearances of one video as one: the spans of both, the frames summed, `a`'s crop frame when it has one. */
export function joinAppearances(a: NewAppearance, b: NewAppearance): NewAppearance {
  const spans = [...a.spans, ...b.spans].sort((x, y) => x.firstMs - y.firstMs || x.lastMs - y.lastMs);
  const crop = a.cropMs !== null ? a : b;
  return {
    ...a,
    firstMs: Math.min(a.firstMs, b.firstMs),
    lastMs: Math.max(a.lastMs, b.lastMs),
    frames: a.frames + b.frames,
    spans,
    cropFrameIndex: crop.cropFrameIndex,
    cropMs: crop.cropMs,
  };
}
