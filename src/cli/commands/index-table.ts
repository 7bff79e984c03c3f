import { KadrError } from '../../core/errors.js';
import { ticksToMs } from '../../core/rational.js';
import { getFrameIndex, refCacheKey, refLocation } from '../../timeline/index.js';
import { type Command, flag } from '../command.js';
import { indexSummary } from '../index-summary.js';
import { lookupOptions } from '../indexing.js';
import { resolveLocation } from '../locations.js';

export const indexCommand: Command = {
  name: 'index',
  usage: `usage: kadr index <video> [--json | --csv]

Without an option: a summary of the index (codec, size, time base, first PTS, duration, keyframes and
their interval, constant or variable frame rate, decode order) and its first rows.
--csv and --json: one row per displayed frame in presentation order: index (frames skipped to reach
it), pts (ticks), ptsMs, sinceFirstMs, keyframe, decodeOrder, pos (byte offset of its packet, -1 when
unknown).`,
  options: { json: { type: 'boolean' }, csv: { type: 'boolean' } },
  async run(args, io) {
    const [video, extra] = args.positionals;
    if (!video || extra)
      throw new KadrError('KADR_ERR_USAGE', 'give exactly one video', { hint: 'kadr index <video> [--csv]' });
    const ref = await resolveLocation(video);
    const { index } = await getFrameIndex(refLocation(ref), {
      ...lookupOptions(io, video),
      ...(refCacheKey(ref) ? { cacheKey: refCacheKey(ref) } : {}),
    });
    const first = index.pts[0] ?? 0n;
    const rows = index.pts.map((pts, i) => ({
      index: i,
      pts: pts.toString(),
      ptsMs: ticksToMs(pts, index.timeBase),
      sinceFirstMs: ticksToMs(pts - first, index.timeBase),
      keyframe: index.key[i]!,
      decodeOrder: index.decodeOrder[i]!,
      pos: index.pos[i]!,
    }));
    if (flag(args, 'csv')) {
      io.out.write('index,pts,ptsMs,sinceFirstMs,keyframe,decodeOrder,pos\n');
      for (const r of rows)
        io.out.write(
          `${r.index},${r.pts},${r.ptsMs},${r.sinceFirstMs},${r.keyframe ? 1 : 0},${r.decodeOrder},${r.pos}\n`,
        );
      return;
    }
    if (!flag(args, 'json')) {
      io.out.write(`${indexSummary(video, index)}\n`);
      return;
    }
    const doc = {
      file: video,
      codec: index.codec,
      width: index.width,
      height: index.height,
      timeBase: `${index.timeBase.num}/${index.timeBase.den}`,
      builtBy: index.builtBy,
      frames: rows,
    };
    io.out.write(`${JSON.stringify(doc, null, 1)}\n`);
  },
};
