/**
 * Fragmented MP4 out of already-encoded packets, written by libavformat straight into a file
 * descriptor the caller owns (the recorder's spool file), as a pipe: no seeking, exactly the bytes a
 * streamed upload needs (docs/recording.md). After each packet the pieces it completed
 * (init, fragment, trailer) are reported as byte ranges of that file.
 *
 * Why a file and not an AVIO write callback: node-av hands each callback a freshly allocated copy of
 * the bytes, and V8 counts such ArrayBuffer memory towards its next full GC. At 8 recordings that was a
 * mark-compact every 2 s, a large share of the recorder's CPU (docs/recording.md, Performance). Written
 * through the pipe protocol the bytes never become JS memory; the consumer reads them back from the
 * page cache into buffers it reuses.
 *
 * This uses libavformat's mov muxer through node-av's low-level FormatContext rather than the Muxer
 * class: Muxer re-implements the ffmpeg CLI's stream-copy rules (drops leading non-keyframes, shifts by
 * a start time, a sync queue, a packet clone per write). A recorder wants none of that: every packet is
 * written as it came, with its own pts/dts. All calls are synchronous: muxing a packet costs
 * microseconds, and a completed fragment is in the file (one write()) when writeFrameSync returns.
 *
 * movflags: frag_keyframe + frag_duration cut a fragment at each keyframe and at least every
 * `fragmentDurationUs` (movenc.c flushes on either); empty_moov puts no samples in the moov, so the
 * init section can be written first; default_base_moof makes each fragment self-contained;
 * write_prft=wallclock adds a producer reference time box per fragment (the wallclock anchor).
 * delay_moov writes the moov with the first fragment, when the first timestamps are known: a segment
 * that starts at pts 344160 then plays from 344160 (an edit list), as its frame index says, instead of
 * being silently rebased to its first dts (measured: without it ffprobe showed 6480 for that frame).
 */
import { Dictionary, FormatContext, IOContext, Rational as AvRational } from 'node-av/lib';
import type { Packet, Stream } from 'node-av/lib';
import { AVIO_FLAG_WRITE, AVMEDIA_TYPE_VIDEO, AV_CODEC_ID_H264, AV_CODEC_ID_HEVC } from 'node-av/constants';
import type { Rational } from '../core/rational.js';
import { KadrError } from '../core/errors.js';
import { Fmp4FileScanner, type Fmp4Piece } from './fmp4-boxes.js';

/**
 * A video track described by its codec parameters rather than a demuxer's stream (kadr's own RTP
 * receive path): extradata is Annex B parameter sets, packets are Annex B access units, as
 * libavformat's RTP demuxer gives them; movenc turns both into avcC/hvcC and length prefixes.
 */
export interface Fmp4TrackSpec {
  codec: 'h264' | 'hevc';
  extradata: Buffer;
  width: number;
  height: number;
  timeBase: Rational;
}

/** Either source of a track: a demuxer's stream, or codec parameters. */
export type Fmp4TrackSource = Stream | Fmp4TrackSpec;

export interface Fmp4WriterOptions {
  /**
   * Where the bytes go: an open file descriptor, writable, and readable with positions (opened 'w+'
   * or 'wx+'), positioned at 0. The writer appends to it and never closes it.
   */
  fd: number;
  /** Longest fragment in µs; a crash loses at most about this much (plus the fragment being written). */
  fragmentDurationUs?: number;
  /**
   * Write the init section (moov) at once, from the track's extradata, instead of with the first
   * fragment (delay_moov). For a live stream whose parameter sets are known before its first frame:
   * its init must exist before any fragment, and its fragments carry their own decode times
   * (Fmp4FragmentWriter), so no edit list is wanted.
   */
  moovAtStart?: boolean;
  /** Called with each complete piece (init, fragment, trailer), in order, synchronously. */
  onPiece: (piece: Fmp4Piece) => void;
}

export class Fmp4Writer {
  private readonly ctx = new FormatContext();
  private readonly io = new IOContext();
  private readonly scanner: Fmp4FileScanner;
  private closed = false;
  private readonly inTimeBase: { num: number; den: number };
  /** Set when the muxer chose a time base other than the input's (read once: each getter call allocates). */
  private readonly outTimeBase: { num: number; den: number } | null;
  private packets = 0;
  /** The AVIOContext's position at the last scan. */
  private written = -1n;

  constructor(input: Fmp4TrackSource, options: Fmp4WriterOptions) {
    this.scanner = new Fmp4FileScanner(options.fd, options.onPiece);
    this.inTimeBase = { num: input.timeBase.num, den: input.timeBase.den };
    check(this.ctx.allocOutputContext2(null, 'mp4', null), 'allocOutputContext2');
    // pipe: is not seekable, so the muxer writes front to back as it would into a socket.
    check(this.io.open2Sync(`pipe:${options.fd}`, AVIO_FLAG_WRITE), 'open pipe');
    this.ctx.pb = this.io;
    const st = this.ctx.newStream(null);
    if ('codecpar' in input) {
      check(input.codecpar.copy(st.codecpar), 'codecpar copy');
    } else {
      const par = st.codecpar;
      par.codecType = AVMEDIA_TYPE_VIDEO;
      par.codecId = input.codec === 'h264' ? AV_CODEC_ID_H264 : AV_CODEC_ID_HEVC;
      par.extradata = input.extradata;
      par.width = input.width;
      par.height = input.height;
    }
    // The RTP demuxer's codec tag means nothing in MP4; let the muxer pick avc1/hvc1.
    st.codecpar.codecTag = 0;
    st.timeBase = new AvRational(input.timeBase.num, input.timeBase.den);
    const opts = Dictionary.fromObject({
      movflags: `+frag_keyframe+empty_moov+default_base_moof${options.moovAtStart ? '' : '+delay_moov'}`,
      frag_duration: String(options.fragmentDurationUs ?? 1_000_000),
      write_prft: 'wallclock',
      // Every fragment reaches the file as soon as the muxer finishes it (no AVIO batching).
      flush_packets: '1',
    });
    check(this.ctx.writeHeaderSync(opts), 'writeHeader');
    opts.free();
    if (options.moovAtStart) {
      this.io.flushSync();
      this.scanner.scan();
    }
    const out = st.timeBase;
    this.outTimeBase =
      out.num === this.inTimeBase.num && out.den === this.inTimeBase.den
        ? null
        : { num: out.num, den: out.den };
  }

  /** Muxes one packet (pts/dts in the input stream's time base). Does not free it. */
  write(packet: Packet): void {
    if (this.closed) throw new Error('fmp4 writer is closed');
    // The muxer fixed its time base in writeHeader (mov_init); reading it per packet would allocate
    // a stream wrapper and a rational each time.
    if (this.outTimeBase) packet.rescaleTs(this.inTimeBase, this.outTimeBase);
    packet.streamIndex = 0;
    check(this.ctx.writeFrameSync(packet), 'writeFrame');
    this.packets++;
    // movenc holds a fragment's samples in memory and writes the whole fragment when it cuts it, so
    // most packets write nothing: scan (a pread) only when the file grew. The AVIOContext's pos is
    // the count of bytes it has written out (flush_packets writes them at once).
    const pos = this.io.pos;
    if (pos !== this.written) {
      this.written = pos;
      this.scanner.scan();
    }
  }

  /** Bytes in the file after the last complete piece (none once a fragment is out). */
  get pendingBytes(): number {
    return this.scanner.pendingBytes;
  }

  /**
   * The caller emptied the file (ftruncate of an O_APPEND descriptor, where the next write lands at 0
   * again): pieces are counted from offset 0 from now on. Only with no bytes pending.
   */
  rewind(): void {
    this.scanner.rewind();
  }

  /** Writes the last fragment and the trailer, then frees the muxer. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.packets > 0) check(this.ctx.writeTrailerSync(), 'writeTrailer');
      this.io.flushSync();
      this.scanner.scan();
    } finally {
      this.free();
    }
  }

  /** Frees the muxer without writing what it holds (the segment is being abandoned). */
  abandon(): void {
    if (this.closed) return;
    this.closed = true;
    this.free();
  }

  private free(): void {
    this.ctx.pb = null;
    this.io.closepSync(); // the pipe protocol leaves the descriptor open: it is the caller's
    this.ctx.freeContext();
  }
}

function check(ret: number, what: string): void {
  if (ret < 0) throw new KadrError('KADR_ERR_OUTPUT_WRITE', `fmp4 muxer: ${what} failed (${ret})`);
}
