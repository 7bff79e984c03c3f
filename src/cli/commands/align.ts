import { KadrError, isKadrError } from '../../core/errors.js';
import {
  alignVideos,
  type AlignInput,
  type AlignMethod,
  parseTimeMs,
  timeMsToNumber,
  writeAlignOutputs,
} from '../../timeline/index.js';
import {
  type Command,
  type CommandIo,
  flag,
  type ParsedArgs,
  StoppedBySignal,
  stringOption,
} from '../command.js';
import { lookupOptions } from '../indexing.js';
import { resolveLocation } from '../locations.js';
import { toJson } from '../output.js';
import { createProgress } from '../progress.js';
import { loadRecording } from '../recordings.js';

export const alignCommand: Command = {
  name: 'align',
  usage: `usage: kadr align <video> <video>... [--out-dir <dir>] [--mosaic-at <ms>] [--method wallclock|content] [--json]

Finds, for each video, the time after its first frame at which one common instant lies: the latest
start, the first moment every video has a picture of. Cutting each video there puts them in step.
Where every video is a segment recorded by kadr record from a source sending RTCP sender reports, the
offsets come from the source's wallclock stored for every frame (method wallclock); otherwise from the
pictures: the motion of each video, timed by PTS, cross-correlated with the first one's (method
content). Each offset comes with its estimated error (docs/align.md).
<video> may be a file, an http(s) URL or s3://bucket/key (S3_* environment variables).

options:
  --out-dir DIR     also write a copy of each video that starts at the common instant (frame-exact,
                    without re-encoding: <name>.aligned.mp4) and a mosaic of all videos
  --mosaic-at MS    the mosaic's time, ms after the common instant (default 0)
  --png             the mosaic as PNG (default JPEG)
  --method M        force wallclock or content
  --json            print the result as JSON`,
  options: {
    'out-dir': { type: 'string' },
    'mosaic-at': { type: 'string' },
    method: { type: 'string' },
    png: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  stopsOnSignal: true,
  async run(args, io) {
    try {
      return await align(args, io);
    } catch (error) {
      // Ctrl-C: the work in progress stops at the next frame; a half-written copy is removed.
      const reason: unknown = io.signal.reason;
      if (!io.signal.aborted || !(reason instanceof StoppedBySignal)) throw error;
      io.err.write(`kadr align: ${reason.message}\n`);
      return reason.exitCode;
    }
  },
};

async function align(args: ParsedArgs, io: CommandIo): Promise<void> {
  const files = args.positionals;
  const outDir = stringOption(args, 'out-dir');
  const mosaicAt = stringOption(args, 'mosaic-at');
  const method = stringOption(args, 'method');
  if (files.length < 2) {
    throw new KadrError('KADR_ERR_USAGE', 'give at least two videos to align', {
      hint: 'kadr align cam1.mp4 cam2.mp4 --out-dir aligned --json',
    });
  }
  if (method !== undefined && method !== 'wallclock' && method !== 'content') {
    throw new KadrError('KADR_ERR_USAGE', `--method must be wallclock or content, got '${method}'`);
  }
  if (mosaicAt !== undefined && !outDir) {
    throw new KadrError('KADR_ERR_USAGE', '--mosaic-at needs --out-dir (where the mosaic is written)');
  }
  const mosaicAtMs = mosaicAt === undefined ? 0 : timeMsToNumber(parseTimeMs(mosaicAt));
  const inputs: AlignInput[] = [];
  for (const file of files) {
    inputs.push({ ref: await resolveLocation(file), name: file, recorded: await recordedIndex(file) });
  }
  const bars = new Map<string, ReturnType<typeof createProgress>>();
  const bar = (label: string) => {
    if (!bars.has(label)) bars.set(label, createProgress(label, io.err));
    return bars.get(label)!;
  };
  const result = await alignVideos(inputs, {
    method: method as AlignMethod | undefined,
    signal: io.signal,
    onProgress: (file, done, total) => bar(`motion of ${file}`).update(done, total),
  });
  for (const b of bars.values()) b.done();
  if (outDir && mosaicAtMs >= result.common.overlapMs) {
    throw new KadrError(
      'KADR_ERR_TIME_PAST_END',
      `--mosaic-at ${mosaicAtMs} ms is past the end of the overlap (${result.common.overlapMs.toFixed(0)} ms after the common instant)`,
      { hint: `give a time from 0 to below ${result.common.overlapMs.toFixed(0)}` },
    );
  }
  const outputs = outDir
    ? await writeAlignOutputs(inputs, result, outDir, {
        mosaicAtMs,
        mosaicFormat: flag(args, 'png') ? 'png' : 'jpg',
        signal: io.signal,
        onProgress: lookupOptions(io, outDir).onProgress,
        onCopyProgress: (file, read) => bar(`copying ${file}`).update(read),
      })
    : undefined;
  for (const b of bars.values()) b.done();
  if (flag(args, 'json')) {
    io.out.write(`${toJson({ ...result, ...(outputs ? { outputs } : {}) })}\n`);
    return;
  }
  const lines = [
    `common instant: ${result.common.wallclock ?? `${result.common.latestStart} starts last`} (method ${result.common.method}; all overlap for ${result.common.overlapMs.toFixed(0)} ms)`,
    ...result.offsets.map(
      (o) => `  ${o.file}: ${o.offsetMs.toFixed(3)} ms ± ${o.errorMs.toFixed(3)} ms after its first frame`,
    ),
    ...(outputs
      ? [
          ...outputs.copies.map((c) => `  wrote ${c.out} (from frame ${c.firstFrameIndex})`),
          `  mosaic: ${outputs.mosaic}`,
        ]
      : []),
  ];
  io.out.write(`${lines.join('\n')}\n`);
}

/** The frame index kadr record stored beside a segment, or null for any other video. */
async function recordedIndex(file: string): Promise<AlignInput['recorded']> {
  if (!/\.mp4$/.test(file)) return null;
  try {
    const [segment] = await loadRecording(file);
    return segment?.index ?? null;
  } catch (error) {
    if (isKadrError(error) && error.code === 'KADR_ERR_STORAGE_NOT_FOUND') return null;
    throw error;
  }
}
