/**
 * Fragmented MP4 in memory, for a live view (LL-HLS): the same libavformat muxer as the recorder's
 * (Fmp4Writer), its pieces handed over as buffers. The init section is written at once from the
 * track's parameter sets; each fragment is cut at a keyframe and at least every
 * `fragmentDurationUs`, and its base decode time (tfdt) is set to the first frame's own decode time,
 * so that a player's timeline is the camera's, as in the recording.
 *
 * The muxer writes into a scratch file opened for appending (O_APPEND), unlinked at once; after every
 * packet the pieces it completed are read back and the file is emptied again (ftruncate to 0: with
 * O_APPEND the next write lands at offset 0). It never holds more than the fragment being flushed.
 * Fmp4Writer explains why a file rather than node-av's write callback (those need the event loop,
 * which the synchronous muxer blocks, and hand each call a fresh copy).
 */
import { closeSync, ftruncateSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Packet } from 'node-av/lib';
import { readTrackTimescale, setFragmentDecodeTime } from './fmp4-boxes.js';
import { Fmp4Writer, type Fmp4TrackSpec } from './fmp4-writer.js';

export interface Fmp4Fragment {
  bytes: Buffer;
  /** Frames (samples) in the fragment. */
  samples: number;
}

export interface Fmp4FragmentWriterOptions {
  /** A fragment is cut at each keyframe and once it holds at least this long (µs). */
  fragmentDurationUs: number;
  /** Each complete fragment, in order, synchronously from write(). */
  onFragment: (fragment: Fmp4Fragment) => void;
}

export class Fmp4FragmentWriter {
  /** ftyp + moov: what a player needs before any fragment. */
  readonly init: Buffer;
  private readonly fd: number;
  private readonly writer: Fmp4Writer;
  /** Ticks of the muxer's timescale per tick of the input's time base (num/den). */
  private readonly scale: { num: bigint; den: bigint };
  private pending: bigint[] = [];
  private closed = false;

  constructor(track: Fmp4TrackSpec, options: Fmp4FragmentWriterOptions) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kadr-fmp4-'));
    try {
      this.fd = openSync(path.join(dir, 'live.mp4'), 'a+');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    let init: Buffer | null = null;
    const onFragment = options.onFragment;
    this.writer = new Fmp4Writer(track, {
      fd: this.fd,
      fragmentDurationUs: options.fragmentDurationUs,
      moovAtStart: true,
      onPiece: (piece) => {
        const bytes = Buffer.allocUnsafe(piece.length);
        readSync(this.fd, bytes, 0, piece.length, piece.offset);
        if (piece.kind === 'init') init = bytes;
        else if (piece.kind === 'fragment') {
          const firstDts = this.pending[0];
          this.pending.splice(0, piece.samples);
          if (firstDts !== undefined)
            setFragmentDecodeTime(bytes, (firstDts * this.scale.num) / this.scale.den);
          onFragment({ bytes, samples: piece.samples });
        }
      },
    });
    this.empty();
    if (!init) throw new Error('fmp4: the muxer wrote no init section');
    this.init = init;
    const timescale = readTrackTimescale(this.init) ?? track.timeBase.den;
    this.scale = { num: BigInt(timescale) * BigInt(track.timeBase.num), den: BigInt(track.timeBase.den) };
  }

  /** Muxes one packet (pts/dts in the track's time base, in decode order). Does not free it. */
  write(packet: Packet): void {
    if (this.closed) throw new Error('fmp4 fragment writer is closed');
    this.pending.push(packet.dts);
    this.writer.write(packet);
    this.empty();
  }

  /** Frees the muxer; what it held of the fragment in progress is dropped. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.writer.abandon();
    closeSync(this.fd);
  }

  private empty(): void {
    if (this.writer.pendingBytes !== 0) return;
    ftruncateSync(this.fd, 0);
    this.writer.rewind();
  }
}
