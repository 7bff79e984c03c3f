/**
 * A frame-exact clip out of consecutive recorded segments, without re-encoding: the packets are
 * copied from the keyframe at or before the first wanted frame, shifted so that the first wanted
 * frame has pts 0, and written into one progressive MP4 file. The packets before it get negative
 * timestamps; libavformat's mov muxer then writes an edit list (elst, ISO/IEC 14496-12 §8.6.6) whose
 * media_time skips them, so a player decodes them as references but shows the first wanted frame
 * first. The clip ends with the last packet, in decode order, of a wanted frame: with B-frames, the
 * packets before it include frames presented after the last wanted one (the P-frames that the last
 * B-frames refer to), so the edit's duration is then set to end where the frame after the last wanted
 * one starts (mp4-edit-list.ts), and players show exactly the wanted frames.
 *
 * It uses the low-level FormatContext (as Fmp4Writer does) rather than node-av's Muxer, whose
 * stream-copy rules would drop the leading non-keyframes and rebase the timestamps.
 */
import { Dictionary, FormatContext, Rational as AvRational } from 'node-av/lib';
import type { Packet } from 'node-av/lib';
import { KadrError } from '../core/errors.js';
import { openVideoInput, type VideoInput } from './input.js';
import { setPresentationDuration } from './mp4-edit-list.js';

export interface ClipRequest {
  /** The segments, in order, as locations FFmpeg can read; their timestamps continue each other. */
  sources: string[];
  /** PTS (in the segments' time base) of the first and the last frame to show. */
  firstPts: bigint;
  lastPts: bigint;
  /** The MP4 file to write (created or truncated). */
  target: string;
  /** Called with the packets read so far. */
  onProgress?: (packetsRead: number) => void;
}

export interface ClipResult {
  /** Frames shown: packets with firstPts <= pts <= lastPts. */
  frames: number;
  /** Packets written, the leading references included. */
  packets: number;
}

export async function writeClip(req: ClipRequest): Promise<ClipResult> {
  const ctx = new FormatContext();
  let input: VideoInput | null = null;
  let headerWritten = false;
  const pending: Packet[] = [];
  // Packets presented after the last wanted frame, held until a wanted frame decoded after them
  // shows that they are needed; those after the last wanted one are dropped.
  const tail: Packet[] = [];
  let committed = false;
  let frames = 0;
  let packets = 0;
  let read = 0;
  /** PTS of the frame presented next after the last wanted one, once read. */
  let nextPts: bigint | null = null;
  let closed = false;
  let inTb = { num: 1, den: 90000 };
  let outTb = inTb;
  const write = (p: Packet) => {
    p.pts = p.pts - req.firstPts;
    p.dts = p.dts - req.firstPts;
    p.rescaleTs(inTb, outTb);
    p.streamIndex = 0;
    p.pos = -1n;
    check(ctx.writeFrameSync(p), 'writeFrame');
    packets++;
  };
  // Emptied from the front, so that on an error the packets left are freed with the list.
  const writeAll = (list: Packet[]) => {
    while (list.length > 0) {
      const p = list.shift()!;
      try {
        write(p);
      } finally {
        p.free();
      }
    }
  };
  try {
    check(ctx.allocOutputContext2(null, 'mp4', req.target), 'allocOutputContext2');
    let done = false;
    for (const [i, source] of req.sources.entries()) {
      if (done) break;
      input = await openVideoInput(source);
      if (i === 0) {
        inTb = { num: input.stream.timeBase.num, den: input.stream.timeBase.den };
        const st = ctx.newStream(null);
        check(input.stream.codecpar.copy(st.codecpar), 'codecpar copy');
        st.codecpar.codecTag = 0;
        st.timeBase = new AvRational(inTb.num, inTb.den);
        check(await ctx.openOutput(), 'open output');
        // The movie's timescale (the edit's unit) is the input's, so that the edit ends exactly
        // where the frame after the last wanted one starts.
        const opts = Dictionary.fromObject({
          movflags: '+faststart',
          ...(inTb.num === 1 ? { movie_timescale: String(inTb.den) } : {}),
        });
        check(ctx.writeHeaderSync(opts), 'writeHeader');
        opts.free();
        headerWritten = true;
        outTb = { num: st.timeBase.num, den: st.timeBase.den };
      }
      for (const packet of input.demuxer.packetsSync(input.info.streamIndex)) {
        if (!packet) break;
        read++;
        if (read % 25 === 0) req.onProgress?.(read);
        const pts = packet.pts;
        const dts = packet.dts;
        if (pts > req.lastPts && (nextPts === null || pts < nextPts)) nextPts = pts;
        if (dts > req.lastPts) {
          // No wanted frame is decoded from here on; read on only to learn where the frame after the
          // last wanted one starts (every later packet is presented at or after its decode time).
          packet.free();
          if (nextPts !== null && dts >= nextPts) {
            done = true;
            break;
          }
          continue;
        }
        if (pts >= req.firstPts && pts <= req.lastPts) frames++;
        if (committed) {
          if (pts > req.lastPts) {
            tail.push(packet);
            continue;
          }
          tail.push(packet);
          writeAll(tail);
          continue;
        }
        // Before the first wanted frame: keep the packets from the last keyframe at or before it.
        const key = packet.isKeyframe;
        if (key && pts <= req.firstPts) {
          for (const p of pending.splice(0)) p.free();
        }
        pending.push(packet);
        if (pts >= req.firstPts) {
          if (!pending[0]!.isKeyframe) {
            throw new KadrError(
              'KADR_ERR_INPUT_CORRUPT',
              'the recording has no keyframe before the first frame of the clip',
            );
          }
          committed = true;
          writeAll(pending);
        }
      }
      await input.close();
      input = null;
    }
    if (frames === 0 || !committed) {
      throw new KadrError('KADR_ERR_TIME_NOT_RECORDED', 'the recording holds no frame in the clip span');
    }
    check(ctx.writeTrailerSync(), 'writeTrailer');
    await ctx.closeOutput();
    closed = true;
    // The muxer's edit ends with the latest-presented packet written, which may follow the last
    // wanted frame; without a frame after it, the recording's last frame is the last wanted one.
    if (nextPts !== null) setPresentationDuration(req.target, nextPts - req.firstPts, inTb);
    req.onProgress?.(read);
    return { frames, packets };
  } finally {
    for (const p of [...pending, ...tail]) p.free();
    if (input) await input.close();
    if (!closed && (headerWritten || ctx.pb)) await ctx.closeOutput().catch(() => undefined);
    ctx.freeContext();
  }
}

function check(ret: number, what: string): void {
  if (ret < 0) throw new KadrError('KADR_ERR_OUTPUT_WRITE', `mp4 muxer: ${what} failed (${ret})`);
}
