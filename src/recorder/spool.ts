/**
 * The local spool: a journal file per segment being recorded, appended fragment by fragment as the
 * muxer finishes them (and synced to disk), next to the live upload. It is what makes a recording
 * survive `kill -9` and an object store that is down: a journal whose segment did not reach the store
 * is replayed into it later (uploader.ts). It holds only segments not yet safely stored, and is
 * deleted as soon as its segment and index are.
 *
 * File `<pid>.<seq>.journal`, a sequence of records, each
 *   length:u32be  type:u8  payload[length]
 * type 1 header (JSON SegmentHeader), 2 init (ftyp+moov), 3 fragment (u32be jsonLength, JSON frames,
 * fMP4 bytes), 4 trailer (mfra), 5 end (JSON {endReason, nextPtsTicks}). A record cut short by a crash
 * is ignored, with everything after it: the fragments before it still form a playable file.
 */
import {
  closeSync,
  fdatasync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  unlinkSync,
  writevSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { FrameRecord, SegmentEnd, SegmentHeader } from './frame-index.js';

const enum RecordType {
  Header = 1,
  Init = 2,
  Fragment = 3,
  Trailer = 4,
  End = 5,
}

let sequence = 0;

type FrameTuple = [string, string, 0 | 1, number, number | null, (0 | 1)?];

export class SpoolJournal {
  private fd: number | null;
  private syncing = false;
  private syncAgain = false;

  private constructor(
    readonly path: string,
    private readonly fsync: boolean,
  ) {
    this.fd = openSync(path, 'wx');
  }

  static create(dir: string, header: SegmentHeader, options: { fsync?: boolean } = {}): SpoolJournal {
    mkdirSync(dir, { recursive: true });
    const name = `${process.pid}.${Date.now().toString(36)}-${(sequence++).toString(36)}.journal`;
    const journal = new SpoolJournal(path.join(dir, name), options.fsync ?? true);
    journal.append(RecordType.Header, Buffer.from(JSON.stringify(header, bigintToString)));
    return journal;
  }

  writeInit(bytes: Buffer): void {
    this.append(RecordType.Init, bytes);
  }

  writeFragment(bytes: Buffer, frames: FrameRecord[]): void {
    const tuples: FrameTuple[] = frames.map((f) => [
      f.ptsTicks.toString(),
      f.dtsTicks.toString(),
      f.key ? 1 : 0,
      f.receivedAtMs,
      f.ntpMs,
      f.ptsEstimated ? 1 : 0,
    ]);
    const json = Buffer.from(JSON.stringify(tuples));
    const head = Buffer.alloc(4);
    head.writeUInt32BE(json.length);
    this.append(RecordType.Fragment, Buffer.concat([head, json]), bytes);
  }

  writeTrailer(bytes: Buffer): void {
    this.append(RecordType.Trailer, bytes);
  }

  writeEnd(endReason: SegmentEnd, nextPtsTicks: bigint | null): void {
    this.append(
      RecordType.End,
      Buffer.from(JSON.stringify({ endReason, nextPtsTicks: nextPtsTicks?.toString() ?? null })),
    );
    if (this.fd !== null && this.fsync) fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }

  remove(): void {
    this.close();
    unlinkSync(this.path);
  }

  private append(type: RecordType, payload: Buffer, extra?: Buffer): void {
    if (this.fd === null) throw new Error(`spool journal ${this.path} is closed`);
    const head = Buffer.alloc(5);
    head.writeUInt32BE(payload.length + (extra?.length ?? 0));
    head.writeUInt8(type, 4);
    // One write per record (writev, no copy) keeps records whole in the page cache even if the process
    // dies right after; a record cut short anyway is ignored by readJournal.
    const parts = extra ? [head, payload, extra] : [head, payload];
    const total = parts.reduce((n, b) => n + b.length, 0);
    const written = writevSync(this.fd, parts);
    if (written < total) writeRest(this.fd, Buffer.concat(parts).subarray(written));
    if (this.fsync) this.syncSoon();
  }

  /** fdatasync off the main thread; at most one in flight, one more queued behind it. */
  private syncSoon(): void {
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    const fd = this.fd;
    if (fd === null) return;
    this.syncing = true;
    fdatasync(fd, () => {
      this.syncing = false;
      if (this.syncAgain && this.fd === fd) {
        this.syncAgain = false;
        this.syncSoon();
      }
    });
  }
}

export interface JournalContents {
  path: string;
  header: SegmentHeader;
  /** Byte ranges of the file that, in order, form the segment's fMP4. */
  mediaRanges: { offset: number; length: number }[];
  mediaBytes: number;
  frames: FrameRecord[];
  end: { endReason: SegmentEnd; nextPtsTicks: bigint | null } | null;
}

/** Reads a journal's records up to the first incomplete one. Null when not even the header is whole. */
export async function readJournal(file: string): Promise<JournalContents | null> {
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const head = Buffer.alloc(5);
    let offset = 0;
    let header: SegmentHeader | null = null;
    let hasInit = false;
    const mediaRanges: JournalContents['mediaRanges'] = [];
    const frames: FrameRecord[] = [];
    let end: JournalContents['end'] = null;
    while (offset + 5 <= size) {
      await fh.read(head, 0, 5, offset);
      const length = head.readUInt32BE(0);
      const type = head.readUInt8(4) as RecordType;
      const start = offset + 5;
      if (start + length > size) break; // cut short by a crash
      const readPart = async (at: number, n: number) => {
        const b = Buffer.alloc(n);
        await fh.read(b, 0, n, at);
        return b;
      };
      if (type === RecordType.Header) header = JSON.parse((await readPart(start, length)).toString());
      else if (type === RecordType.Init) {
        hasInit = true;
        mediaRanges.push({ offset: start, length });
      } else if (type === RecordType.Fragment && hasInit) {
        const jsonLength = (await readPart(start, 4)).readUInt32BE(0);
        const tuples = JSON.parse((await readPart(start + 4, jsonLength)).toString()) as FrameTuple[];
        for (const [pts, dts, key, receivedAtMs, ntpMs, estimated] of tuples) {
          frames.push({
            ptsTicks: BigInt(pts),
            dtsTicks: BigInt(dts),
            key: key === 1,
            receivedAtMs,
            ntpMs,
            ptsEstimated: estimated === 1,
          });
        }
        mediaRanges.push({ offset: start + 4 + jsonLength, length: length - 4 - jsonLength });
      } else if (type === RecordType.Trailer && hasInit) mediaRanges.push({ offset: start, length });
      else if (type === RecordType.End) {
        const e = JSON.parse((await readPart(start, length)).toString()) as {
          endReason: SegmentEnd;
          nextPtsTicks: string | null;
        };
        end = {
          endReason: e.endReason,
          nextPtsTicks: e.nextPtsTicks === null ? null : BigInt(e.nextPtsTicks),
        };
      }
      offset = start + length;
    }
    if (!header) return null;
    header.gapBefore ??= null;
    return {
      path: file,
      header,
      mediaRanges,
      mediaBytes: mediaRanges.reduce((s, r) => s + r.length, 0),
      frames,
      end,
    };
  } finally {
    await fh.close();
  }
}

/** The segment's fMP4 bytes, streamed from the journal file. */
export function journalMediaStream(contents: JournalContents): Readable {
  return Readable.from(
    (async function* () {
      const fh = await open(contents.path, 'r');
      try {
        for (const r of contents.mediaRanges) {
          for (let done = 0; done < r.length;) {
            const n = Math.min(1 << 20, r.length - done);
            const b = Buffer.alloc(n);
            const { bytesRead } = await fh.read(b, 0, n, r.offset + done);
            if (bytesRead === 0) throw new Error(`spool journal ${contents.path} shrank while being read`);
            yield b.subarray(0, bytesRead);
            done += bytesRead;
          }
        }
      } finally {
        await fh.close();
      }
    })(),
    { objectMode: false },
  );
}

function writeRest(fd: number, rest: Buffer): void {
  let off = 0;
  while (off < rest.length) off += writevSync(fd, [rest.subarray(off)]);
}

/** Journals in `dir` left by processes that are no longer running (a crash, kill -9). */
export function orphanJournals(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.journal'))
    .filter((n) => {
      const pid = Number(n.split('.')[0]);
      return Number.isInteger(pid) && pid !== process.pid && !isRunning(pid);
    })
    .sort()
    .map((n) => path.join(dir, n));
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function bigintToString(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
