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
  /** Builds profiles for the video if it asked for them; rejects when `signal` fires. */
  run(videoId: string, input: string, signal: AbortSignal): Promise<void>;
}

export function createPeopleStep(deps: {
  profiles: ProfilesService;
  log: Logger;
  threads: number;
  sameDistance: number;
}): PeopleStep {
  return {
    async run(videoId, input, signal) {
      if (!(await deps.profiles.autoProfilesWanted(videoId))) return;
      const result = await runPeopleAnalysis({
        input,
        threads: deps.threads,
        sameDistance: deps.sameDistance,
        signal,
      });
      signal.throwIfAborted();
      await deps.profiles.saveVideoPeople(videoId, result);
    },
  };
}
