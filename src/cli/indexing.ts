/**
 * Look-up options for CLI commands: a progress bar while a frame index is built for the first time
 * (long files), nothing once it is cached.
 */
import { displayName } from '../media/index.js';
import type { FrameLookupOptions } from '../timeline/index.js';
import type { CommandIo } from './command.js';
import { createProgress } from './progress.js';

export function lookupOptions(io: CommandIo, location: string): FrameLookupOptions {
  const progress = createProgress(`indexing ${displayName(location)}`, io.err);
  return {
    skipUnreferenced: true,
    onProgress: (done, total) => progress.update(done, total),
  };
}
