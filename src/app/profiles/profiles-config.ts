/**
 * The one profiles setting: KADR_PROFILE_DISTANCE, the Euclidean embedding distance under which two
 * faces are the same person (default 0.6, dlib's bound for this model; 0.5 is stricter and splits
 * more, above 0.6 different people start to merge: test/fixtures/faces/SOURCES.md).
 */
import { KadrError } from '../../core/errors.js';

export const DEFAULT_PROFILE_DISTANCE = 0.6;

export function profileDistanceFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env.KADR_PROFILE_DISTANCE;
  if (raw === undefined || raw === '') return DEFAULT_PROFILE_DISTANCE;
  const v = Number(raw);
  if (!(v > 0 && v < 2)) {
    throw new KadrError(
      'KADR_ERR_CONFIG',
      `'KADR_PROFILE_DISTANCE' must be a number in (0, 2), got '${raw}'`,
      {
        hint: 'use about 0.5–0.6',
      },
    );
  }
  return v;
}
