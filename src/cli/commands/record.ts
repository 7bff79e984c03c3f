/**
 * `kadr record <rtsp-url> --to <dir | s3://bucket/prefix>`: records an RTSP stream without re-encoding
 * into fragmented-MP4 segments in storage, with a frame index beside each (docs/recording.md).
 */
import { loadConfig } from '../../config/index.js';
import { KadrError } from '../../core/errors.js';
import { silentLogger, stderrLogger } from '../../core/logger.js';
import { startKadr } from '../../main/index.js';
import type { RecordedSegment } from '../../recorder/index.js';
import { flag, stringOption, type Command, type ParsedArgs } from '../command.js';
import { clock, createStatusLine } from '../progress.js';

function seconds(args: ParsedArgs, name: string, fallback: number | null): number | null {
  const raw = stringOption(args, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new KadrError('KADR_ERR_USAGE', `--${name} must be a positive number of seconds, got '${raw}'`);
  }
  return value;
}

export const recordCommand: Command = {
  name: 'record',
  usage: `usage: kadr record <rtsp-url> --to <dir | s3://bucket/prefix> [options]

Pulls the stream without re-encoding and writes fragmented MP4 segments into storage as they arrive,
each with <segment>.index.json beside it (every frame's PTS, receive time and RTCP wallclock).
Reconnects with back-off when the source drops (the gap is marked in the next segment's index).
Stops at the end of the stream, after --duration, or on SIGINT/SIGTERM, finishing its segments.
S3 settings come from S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY (and S3_REGION).

options:
  --to <dest>            folder, or s3://bucket/prefix (required)
  --duration <s>         stop after this many seconds
  --segment <s>          segment length in seconds (default 60; cut at the next keyframe)
  --transport tcp|udp    RTP transport (default tcp)
  --spool <dir>          crash-safety journal folder (default: one per destination under
                         $KADR_SPOOL_DIR or ~/.local/state/kadr/spool); a restarted recorder
                         stores what a killed one left there
  --json                 print {segments: [{key, frames, firstPtsMs, durationMs, ...}], ...}
  --verbose              log progress to stderr
`,
  options: {
    to: { type: 'string' },
    duration: { type: 'string' },
    segment: { type: 'string' },
    transport: { type: 'string' },
    spool: { type: 'string' },
    json: { type: 'boolean' },
    verbose: { type: 'boolean' },
  },
  stopsOnSignal: true,
  async run(args, io) {
    const url = args.positionals[0];
    if (!url || args.positionals.length > 1) {
      throw new KadrError('KADR_ERR_USAGE', 'give exactly one rtsp:// URL', { hint: 'kadr record --help' });
    }
    if (!/^rtsps?:\/\//i.test(url)) throw new KadrError('KADR_ERR_USAGE', `not an rtsp:// URL: ${url}`);
    const to = stringOption(args, 'to');
    if (!to) throw new KadrError('KADR_ERR_USAGE', '--to <dir | s3://bucket/prefix> is required');
    const transport = stringOption(args, 'transport') ?? 'tcp';
    if (transport !== 'tcp' && transport !== 'udp') {
      throw new KadrError('KADR_ERR_USAGE', `--transport must be tcp or udp, got '${transport}'`);
    }
    const durationS = seconds(args, 'duration', null);
    const segmentS = seconds(args, 'segment', 60)!;
    const config = loadConfig();
    const verbose = flag(args, 'verbose');
    const logger = verbose ? stderrLogger('info', { cmd: 'record' }) : silentLogger;
    const signals = [io.signal];
    if (durationS !== null) signals.push(AbortSignal.timeout(Math.round(durationS * 1000)));
    const signal = AbortSignal.any(signals);

    // On a terminal, a line that says the recording is alive (the numbers grow as segments are stored);
    // not with --verbose, whose log lines would tear it.
    const status = createStatusLine(io.err, !verbose);
    const stored = { segments: 0, frames: 0, ms: 0 };
    const startedAt = Date.now();
    const draw = () =>
      status.show(
        `recording ${clock(Date.now() - startedAt)}: ${stored.segments} segment(s), ${stored.frames} frames, ` +
          `${clock(stored.ms)} of video stored; Ctrl-C stops`,
      );
    const ticker = setInterval(draw, 1000);
    draw();
    const kadr = await startKadr(
      config,
      {
        record: {
          url,
          to,
          transport,
          spoolDir: stringOption(args, 'spool'),
          segmentDurationMs: segmentS * 1000,
          signal,
          logger,
          onSegment: (s) => {
            stored.segments++;
            stored.frames += s.frames;
            stored.ms += s.durationMs;
            if (!flag(args, 'json')) status.print(`stored ${s.location} (${s.frames} frames)`);
            draw();
          },
          // libavformat prints "Failed reading RTSP data" and the like on every drop; the recorder
          // reports drops itself (gaps in the index, --verbose logs).
          ffmpegLog: verbose || config.debug ? 'warning' : 'fatal',
        },
      },
      logger,
    ).catch((error: unknown) => {
      clearInterval(ticker);
      status.done();
      throw error;
    });
    const { store, spoolDir } = kadr.recording!;
    const result = await kadr.recording!.result.finally(() => {
      clearInterval(ticker);
      status.done();
      return kadr.close();
    });
    const segments = result.segments.map((s: RecordedSegment) => ({
      key: s.location,
      index: store.describe(s.indexKey),
      frames: s.frames,
      firstPtsMs: s.firstPtsMs,
      durationMs: s.durationMs,
      startReason: s.startReason,
      endReason: s.endReason,
      gapBefore: s.gapBefore,
      lostPackets: s.lostPackets,
      damagedFrames: s.damagedFrames,
      incompleteFrames: s.incompleteFrames,
      stored: s.via,
    }));
    if (flag(args, 'json')) {
      const out = {
        source: result.source,
        to,
        connections: result.connections,
        segments,
        pending: result.pending,
      };
      io.out.write(`${JSON.stringify(out, null, 2)}\n`);
    } else {
      for (const s of segments) {
        const loss = s.lostPackets
          ? `  ${s.lostPackets} packets lost, ${s.damagedFrames} frames damaged (${s.incompleteFrames} incomplete)`
          : '';
        io.out.write(
          `${s.key}  ${s.frames} frames  first pts ${s.firstPtsMs} ms  ${s.durationMs} ms${loss}\n`,
        );
      }
      io.out.write(
        `${segments.length} segment(s), ${segments.reduce((n, s) => n + s.frames, 0)} frames` +
          (result.pending.length
            ? `; ${result.pending.length} left in the spool ${spoolDir} for the next run`
            : '') +
          '\n',
      );
    }
    return 0;
  },
};
