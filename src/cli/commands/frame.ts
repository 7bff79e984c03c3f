import { KadrError } from '../../core/errors.js';
import { imageFormatFor, writeImage } from '../../media/index.js';
import { FrameLookup, withoutFrame } from '../../timeline/index.js';
import { type Command, flag, stringOption } from '../command.js';
import { lookupOptions } from '../indexing.js';
import { toJson } from '../output.js';
import { resolveLocation } from '../locations.js';

export const frameCommand: Command = {
  name: 'frame',
  usage: `usage: kadr frame <video> --at <ms> --out <image.png|image.jpg> [--json]

Writes the frame displayed <ms> milliseconds after the first frame: the last frame, in presentation
order, whose PTS is at or before that time. Prints its 0-based index (= frames skipped to reach it),
its PTS, and how many packets were decoded from the preceding keyframe.
<video> may be a file, an http(s) URL or s3://bucket/key (S3_* environment variables).`,
  options: { at: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' } },
  async run(args, io) {
    const [video, extra] = args.positionals;
    const at = stringOption(args, 'at');
    const out = stringOption(args, 'out');
    if (!video || extra || at === undefined || !out) {
      throw new KadrError('KADR_ERR_USAGE', 'need a video, --at <ms> and --out <image>', {
        hint: 'kadr frame clip.mp4 --at 1500 --out frame.png',
      });
    }
    imageFormatFor(out); // refuse a bad output name before any work
    const location = await resolveLocation(video);
    const lookup = await FrameLookup.open(location, lookupOptions(io, video));
    try {
      const r = await lookup.at(at);
      try {
        writeImage(r.frame, out);
      } finally {
        r.frame.free();
      }
      const info = { file: video, tMs: Number(at), ...withoutFrame(r), out };
      if (flag(args, 'json')) io.out.write(`${toJson(info)}\n`);
      else {
        io.out.write(
          `${video} at ${at} ms: frame ${r.index} (skipped ${r.index}), pts ${r.ptsTicks} = ${r.ptsMs.toFixed(3)} ms` +
            `${r.keyframe ? ', keyframe' : ''}; decoded ${r.packetsDecoded} packets (${r.framesDecoded} pictures) from keyframe ${r.startKeyframeIndex}; wrote ${out}\n`,
        );
      }
    } finally {
      await lookup.close();
    }
  },
};
