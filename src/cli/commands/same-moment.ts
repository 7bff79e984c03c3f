import { KadrError } from '../../core/errors.js';
import { sameMoment } from '../../timeline/index.js';
import { type Command, flag, stringOption } from '../command.js';
import { lookupOptions } from '../indexing.js';
import { resolveLocation } from '../locations.js';
import { toJson } from '../output.js';

export const sameMomentCommand: Command = {
  name: 'same-moment',
  usage: `usage: kadr same-moment <a> <b> --at <ms> --out-dir <dir> [--jpg] [--json]

For each video, logs how many frames had to be skipped to reach <ms> (after its first frame) and the
PTS of the frame shown then; writes a snapshot of each frame and one side-by-side image into <dir>,
and appends the log lines to <dir>/same-moment.log.`,
  options: {
    at: { type: 'string' },
    'out-dir': { type: 'string' },
    jpg: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(args, io) {
    const [a, b, extra] = args.positionals;
    const at = stringOption(args, 'at');
    const outDir = stringOption(args, 'out-dir');
    if (!a || !b || extra || at === undefined || !outDir) {
      throw new KadrError('KADR_ERR_USAGE', 'need two videos, --at <ms> and --out-dir <dir>', {
        hint: 'kadr same-moment cam1.mp4 cam2.mp4 --at 2000 --out-dir moment',
      });
    }
    const r = await sameMoment(await resolveLocation(a), await resolveLocation(b), at, outDir, {
      ...lookupOptions(io, a),
      imageFormat: flag(args, 'jpg') ? 'jpg' : 'png',
    });
    const result = { ...r, a: { ...r.a, file: a }, b: { ...r.b, file: b } };
    if (flag(args, 'json')) {
      io.out.write(`${toJson(result)}\n`);
      return;
    }
    io.out.write(
      [
        ...r.logLines,
        `snapshots: ${r.a.snapshot}, ${r.b.snapshot}`,
        `side by side: ${r.sideBySide}`,
        `log: ${r.log}`,
      ].join('\n') + '\n',
    );
  },
};
