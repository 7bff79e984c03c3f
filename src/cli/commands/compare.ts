import { KadrError } from '../../core/errors.js';
import { imageFormatFor } from '../../media/index.js';
import { compareAt } from '../../timeline/index.js';
import { type Command, flag, stringOption } from '../command.js';
import { lookupOptions } from '../indexing.js';
import { resolveLocation } from '../locations.js';
import { toJson } from '../output.js';

export const compareCommand: Command = {
  name: 'compare',
  usage: `usage: kadr compare <original> <recording> --at <ms> --out <image> [--json]

Finds the frame shown <ms> after the first frame in each video, writes both side by side with a
caption on each (file, frame index, PTS) and measures whether they are the same picture: identical
when every decoded sample is equal (a passthrough recording), else PSNR in dB over Y, U and V.
Either video may be a file, an http(s) URL or s3://bucket/key.`,
  options: { at: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' } },
  async run(args, io) {
    const [original, recording, extra] = args.positionals;
    const at = stringOption(args, 'at');
    const out = stringOption(args, 'out');
    if (!original || !recording || extra || at === undefined || !out) {
      throw new KadrError('KADR_ERR_USAGE', 'need two videos, --at <ms> and --out <image>', {
        hint: 'kadr compare original.mp4 recording.mp4 --at 1500 --out compare.png',
      });
    }
    imageFormatFor(out);
    const r = await compareAt(await resolveLocation(original), await resolveLocation(recording), at, {
      ...lookupOptions(io, original),
      out,
    });
    const result = {
      ...r,
      original: { ...r.original, file: original },
      recording: { ...r.recording, file: recording },
    };
    if (flag(args, 'json')) {
      io.out.write(`${toJson(result)}\n`);
      return;
    }
    const side = (label: string, s: typeof result.original) =>
      `  ${label.padEnd(10)} ${s.file}: frame ${s.index}, pts ${s.ptsTicks} (${s.ptsMs.toFixed(3)} ms)`;
    io.out.write(
      [
        `at ${r.tMs} ms:`,
        side('original', result.original),
        side('recording', result.recording),
        `  ${r.identical ? 'identical pictures' : `PSNR ${r.psnr === null ? 'inf' : r.psnr.toFixed(2)} dB${r.scaled ? ' (recording scaled to the original size)' : ''}`}`,
        `  wrote ${out}`,
      ].join('\n') + '\n',
    );
  },
};
