/**
 * The live view's section (`kadr serve`): the ladder of lower qualities a viewer may choose besides
 * the camera's own, and how the shared encoder of each is run.
 */
import type { Environment } from './sections.js';
import { integer, invalid, nonEmpty } from './values.js';

export interface LiveConfig {
  /**
   * Heights of the renditions offered below the original, highest first (KADR_LIVE_QUALITIES,
   * default 720p,480p,240p; "none" offers none). A rung at or above a camera's height is left out.
   */
  readonly ladder: readonly number[];
  /** A rendition's encoder stops this long after its last viewer left (KADR_LIVE_LINGER_SECONDS, 10). */
  readonly renditionLingerMs: number;
  /** x264 preset of the renditions (KADR_LIVE_PRESET, default veryfast). */
  readonly preset: string;
}

export const DEFAULT_LIVE_LADDER = [720, 480, 240] as const;

const X264_PRESETS = [
  'ultrafast',
  'superfast',
  'veryfast',
  'faster',
  'fast',
  'medium',
  'slow',
  'slower',
  'veryslow',
];

export function readLiveConfig(env: Environment): LiveConfig {
  const raw = nonEmpty(env.KADR_LIVE_QUALITIES);
  let ladder: number[] = [...DEFAULT_LIVE_LADDER];
  if (raw !== undefined) {
    ladder = [];
    if (raw.trim() !== 'none') {
      for (const part of raw.split(',')) {
        const m = /^\s*(\d{2,4})p\s*$/.exec(part);
        const height = m ? Number(m[1]) : NaN;
        if (!(height >= 64 && height <= 4320) || height % 2 !== 0) {
          throw invalid(
            'KADR_LIVE_QUALITIES',
            raw,
            'must be heights like 720p,480p,240p (even, 64p–4320p), or none',
          );
        }
        if (!ladder.includes(height)) ladder.push(height);
      }
    }
    ladder.sort((a, b) => b - a);
  }
  const linger = nonEmpty(env.KADR_LIVE_LINGER_SECONDS);
  const preset = nonEmpty(env.KADR_LIVE_PRESET) ?? 'veryfast';
  if (!X264_PRESETS.includes(preset)) {
    throw invalid('KADR_LIVE_PRESET', preset, `must be one of ${X264_PRESETS.join(', ')}`);
  }
  return Object.freeze({
    ladder: Object.freeze(ladder),
    renditionLingerMs:
      (linger !== undefined ? integer('KADR_LIVE_LINGER_SECONDS', linger, 0, 3600) : 10) * 1000,
    preset,
  });
}
