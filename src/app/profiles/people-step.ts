/**
 * The profiles part of the video job: once the face counts of a video with `autoProfiles` are done,
 * find its people (a second pass in a child process: decode, detect, track, embed) and store them
 * as profiles. A pause or cancel during this pass stops it like the first one; the pass then runs
 * again from the start on resume (it keeps no resume state: tracks and chips are not saved).
 */
import type { Logger } from '../../core/logger.js';
import { runPeopleAnalysis } from './people-analysis.runner.js';
import type { ProfilesService } from './profiles.service.js';

export interface PeopleStep {
  /** Whether the video asked for profiles (its upload's autoProfiles). */
  wanted(videoId: string): Promise<boolean>;
  /**
   * Builds profiles for the video if it asked for them; rejects when `signal` fires. `onProgress`
   * gets frames done of total frames, a few times a second.
   */
  run(
    videoId: string,
    input: string,
    signal: AbortSignal,
    onProgress?: (done: number, total: number) => void,
  ): Promise<void>;
}

export function createPeopleStep(deps: {
  profiles: ProfilesService;
  log: Logger;
  threads: number;
  sameDistance: number;
}): PeopleStep {
  return {
    wanted: (videoId) => deps.profiles.autoProfilesWanted(videoId),
    async run(videoId, input, signal, onProgress) {
      if (!(await deps.profiles.autoProfilesWanted(videoId))) return;
      const result = await runPeopleAnalysis({
        input,
        threads: deps.threads,
        sameDistance: deps.sameDistance,
        signal,
        ...(onProgress ? { onProgress } : {}),
      });
      signal.throwIfAborted();
      await deps.profiles.saveVideoPeople(videoId, result);
    },
  };
}
