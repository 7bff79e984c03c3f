import { KadrError } from '../../core/errors.js';
import { imageFormatFor, writeImage } from '../../media/index.js';
import {
  frameAtWallclock,
  FrameLookup,
  parseWallclock,
  withoutFrame,
  type WallclockFrame,
} from '../../timeline/index.js';
import { type Command, type CommandIo, flag, stringOption } from '../command.js';
import { lookupOptions } from '../indexing.js';
import { toJson } from '../output.js';
import { resolveLocation } from '../locations.js';
import { loadRecording } from '../recordings.js';

export const frameCommand: Command = {
  name: 'frame',
  usage: `usage: kadr frame <video> --at <ms> --out <image.png|image.jpg> [--json]
       kadr frame <recording> --wallclock <time> [--out <image.png|image.jpg>] [--json]

Writes the frame displayed <ms> milliseconds after the first frame: the last frame, in presentation
order, whose PTS is at or before that time. Prints its 0-based index (= frames skipped to reach it),
its PTS, and how many packets were decoded from the preceding keyframe.
<video> may be a file, an http(s) URL or s3://bucket/key (S3_* environment variables).

With --wallclock, finds the frame a recording made by kadr record showed at that time of the source's
own clock (its RTCP sender reports): the last frame whose wallclock is at or before it. <time> is ISO
8601 with a zone (2026-12-04T23:10:01.120Z) or milliseconds since 1970. <recording> is a segment
(.mp4 or .index.json) or what --to named (a folder or s3://bucket/prefix). Prints the segment, the
frame's index, PTS and wallclock; writes the picture when --out is given.`,
  options: {
    at: { type: 'string' },
    wallclock: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(args, io) {
    const [video, extra] = args.positionals;
    const at = stringOption(args, 'at');
    const wallclock = stringOption(args, 'wallclock');
    const out = stringOption(args, 'out');
    if (video && !extra && wallclock !== undefined && at === undefined) {
      await frameAtWallclockCommand(video, wallclock, out, flag(args, 'json'), io);
      return;
    }
    if (!video || extra || at === undefined || !out || wallclock !== undefined) {
      throw new KadrError(
        'KADR_ERR_USAGE',
        'need a video, --at <ms> and --out <image>, or --wallclock <time>',
        {
          hint: 'kadr frame clip.mp4 --at 1500 --out frame.png; kadr frame ./rec --wallclock 2026-12-04T23:10:01.120Z',
        },
      );
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

async function frameAtWallclockCommand(
  recording: string,
  wallclock: string,
  out: string | undefined,
  json: boolean,
  io: CommandIo,
): Promise<void> {
  const atMs = parseWallclock(wallclock);
  if (out) imageFormatFor(out);
  const found = frameAtWallclock(await loadRecording(recording), atMs);
  const info: WallclockFrame & { recording: string; wallclockAsked: string; out?: string } = {
    recording,
    wallclockAsked: wallclock,
    ...found,
  };
  if (out) {
    await writeSegmentFrame(found, out, io);
    info.out = out;
  }
  if (json) io.out.write(`${toJson(info)}\n`);
  else {
    io.out.write(
      `${recording} at ${wallclock}: ${found.segment} frame ${found.index}, pts ${found.ptsTicks} = ${found.ptsMs.toFixed(3)} ms` +
        ` (${found.sinceFirstMs.toFixed(3)} ms into the segment), wallclock ${found.wallclock}${out ? `; wrote ${out}` : ''}\n`,
    );
  }
}

/** Decodes the frame with exactly the PTS the recording's index gave, from the segment's media. */
async function writeSegmentFrame(found: WallclockFrame, out: string, io: CommandIo): Promise<void> {
  const lookup = await FrameLookup.open(
    await resolveLocation(found.segment),
    lookupOptions(io, found.segment),
  );
  try {
    const target = lookup.index.pts.indexOf(found.ptsTicks);
    if (target < 0) {
      throw new KadrError(
        'KADR_ERR_INPUT_CORRUPT',
        `${found.segment} has no frame with pts ${found.ptsTicks}, which its index lists`,
        { hint: 'the segment and its index do not belong together' },
      );
    }
    const r = await lookup.decodeFrame(target);
    try {
      writeImage(r.frame, out);
    } finally {
      r.frame.free();
    }
  } finally {
    await lookup.close();
  }
}
