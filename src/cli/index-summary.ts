/**
 * What `kadr index <video>` prints for a person: the frame index in a dozen lines (the table itself
 * is thousands of rows; --csv and --json give it whole).
 */
import { ticksToMs } from '../core/rational.js';
import { type FrameIndex, summarize } from '../timeline/index.js';

export function indexSummary(name: string, index: FrameIndex): string {
  const s = summarize(index);
  const round = (x: number, digits = 3) => Number(x.toFixed(digits));
  const keyPts = index.pts.filter((_, i) => index.key[i]);
  const keyFrames = index.key.flatMap((k, i) => (k ? [i] : []));
  const stepsMs = keyPts.slice(1).map((p, i) => ticksToMs(p - keyPts[i]!, index.timeBase));
  const stepsFrames = keyFrames.slice(1).map((f, i) => f - keyFrames[i]!);
  const range = (xs: number[], unit: string) => {
    const min = Math.min(...xs);
    const max = Math.max(...xs);
    const avg = xs.reduce((a, b) => a + b, 0) / xs.length;
    return min === max ? `${round(min)} ${unit}` : `${round(min)}..${round(max)} ${unit} (avg ${round(avg)})`;
  };
  const keyInterval =
    stepsMs.length === 0
      ? keyFrames.length === 1
        ? 'only the first frame'
        : 'none'
      : `every ${range(stepsMs, 'ms')}, ${range(stepsFrames, 'frames')}`;
  const reordered = index.decodeOrder.some((d, i) => d !== i);
  const shown = (i: number) =>
    `${String(i).padStart(6)}  ${String(index.pts[i]).padStart(12)}  ${ticksToMs(
      index.pts[i]! - index.pts[0]!,
      index.timeBase,
    )
      .toFixed(3)
      .padStart(12)}  ${index.key[i] ? 'key' : ''}`;
  const firstRows = Math.min(5, index.pts.length);
  return [
    `${name}: ${s.frames} frames`,
    `  codec          ${s.codec} ${s.width}x${s.height}`,
    `  time base      ${s.timeBase} (PTS below are in these ticks)`,
    `  first PTS      ${s.firstPts} (${s.firstPtsMs} ms)`,
    `  duration       ${s.durationMs} ms`,
    `  keyframes      ${s.keyframes}, ${keyInterval}`,
    `  frame rate     ${s.variableFrameRate ? 'variable (VFR)' : 'constant (CFR)'}: min ${s.fps.min}, avg ${s.fps.avg}, max ${s.fps.max} fps; intervals ${s.intervalMs.min}..${s.intervalMs.max} ms`,
    `  decode order   ${reordered ? 'differs from presentation order (B-frames)' : 'same as presentation order'}`,
    `  index built by ${s.indexBuiltBy === 'packets' ? 'reading packets' : 'decoding every frame'}`,
    '',
    `   index           pts  sinceFirstMs`,
    ...Array.from({ length: firstRows }, (_, i) => shown(i)),
    ...(index.pts.length > firstRows
      ? [`   ... ${index.pts.length - firstRows} more: --csv or --json lists every frame`]
      : []),
  ].join('\n');
}
