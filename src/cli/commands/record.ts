/**
 * `kadr record <rtsp-url> --to <dir | s3://bucket/prefix>`: records an RTSP stream without re-encoding
 * into fragmented-MP4 segments in storage, with a frame index beside each (docs/recording.md).
 */
import path from 'node:path';
import { KadrError } from '../../core/errors.js';
import { configureFfmpegLog } from '../../media/index.js';
import { silentLogger, stderrLogger } from '../../core/logger.js';
import { defaultSpoolDir, Recorder, type RecordedSegment } from '../../recorder/index.js';
import { locatePrefix, parseStorageUrl } from '../../storage/index.js';
import { flag, stringOption, type Command, type ParsedArgs } from '../command.js';

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
    const { store, prefix } = locatePrefix(to);
    const destination = parseStorageUrl(to) ? `${to.replace(/\/+$/, '')}/` : path.resolve(to);
    const spoolDir = stringOption(args, 'spool') ?? defaultSpoolDir(destination);

    const verbose = flag(args, 'verbose');
    // libavformat prints "Failed reading RTSP data" and the like on every drop; the recorder reports
    // drops itself (gaps in the index, --verbose logs).
    configureFfmpegLog(verbose || process.env.KADR_DEBUG === '1' ? 'warning' : 'fatal');
    const logger = verbose ? stderrLogger('info', { cmd: 'record' }) : silentLogger;
    const signals = [io.signal];
    if (durationS !== null) signals.push(AbortSignal.timeout(Math.round(durationS * 1000)));
    const signal = AbortSignal.any(signals);

    const recorder = new Recorder({
      url,
      transport,
      store,
      prefix,
      spoolDir,
      segmentDurationMs: segmentS * 1000,
      logger,
      failFirstConnect: true,
      onSegment: (s) => {
        if (!flag(args, 'json')) io.err.write(`stored ${s.location} (${s.frames} frames)\n`);
      },
    });
    const result = await recorder.run(signal);
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
