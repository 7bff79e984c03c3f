import { KadrError } from '../../core/errors.js';
import { probeVideo, refCacheKey, refLocation } from '../../timeline/index.js';
import { resolveLocation } from '../locations.js';
import { type Command, flag } from '../command.js';
import { lookupOptions } from '../indexing.js';
import { toJson } from '../output.js';

export const probeCommand: Command = {
  name: 'probe',
  usage: `usage: kadr probe <video> [--json]

Reads every packet of the video once (no decoding where the container allows) and reports what the
frames really are: counts and rates come from the PTS of each frame, not from header fields.`,
  options: { json: { type: 'boolean' } },
  async run(args, io) {
    const [video, extra] = args.positionals;
    if (!video || extra)
      throw new KadrError('KADR_ERR_USAGE', 'give exactly one video', { hint: 'kadr probe <video>' });
    const ref = await resolveLocation(video);
    const cacheKey = refCacheKey(ref);
    const s = await probeVideo(refLocation(ref), {
      ...lookupOptions(io, video),
      ...(cacheKey ? { cacheKey } : {}),
    });
    if (flag(args, 'json')) {
      io.out.write(`${toJson(s)}\n`);
      return;
    }
    io.out.write(
      [
        `${video}`,
        `  codec          ${s.codec} ${s.width}x${s.height}, time base ${s.timeBase}`,
        `  frames         ${s.frames} (${s.keyframes} keyframes, longest GOP ${s.maxGopFrames} frames)`,
        `  duration       ${s.durationMs} ms, first PTS ${s.firstPts} (${s.firstPtsMs} ms)`,
        `  frame rate     ${s.variableFrameRate ? 'variable' : 'constant'}: min ${s.fps.min}, avg ${s.fps.avg}, max ${s.fps.max} fps`,
        `  intervals      ${s.intervalMs.min}..${s.intervalMs.max} ms`,
      ].join('\n') + '\n',
    );
  },
};
