/**
 * The local spool: two files per segment being recorded, next to the live upload. The muxer writes
 * the segment's fMP4 into `<pid>.<seq>.fmp4` itself (fmp4-writer.ts); the journal `<pid>.<seq>.journal`
 * says, fragment by fragment as the muxer finishes them, which byte ranges of it are complete and
 * which frames they hold. It is what makes a recording survive `kill -9` and an object store that is
 * down: a segment that did not reach the store is replayed into it later from these two files
 * (uploader.ts). The spool holds only segments not yet safely stored; both files are deleted as soon
 * as the segment and its index are.
 *
 * Journal: a sequence of records, each
 *   length:u32be  type:u8  payload[length]
 * type 1 header (JSON SegmentHeader), 2 init, 4 trailer (JSON {offset, length}: a range of the media
 * file), 3 fragment (JSON {offset, length, frames}), 5 end (JSON {endReason, nextPtsTicks}). A record
 * is written only after the bytes it names; a record cut short by a crash is ignored, with everything
 * after it: the ranges before it still form a playable file (a fragment half-written into the media
 * file is not named by any record).
 */
import { closeSync, fdatasync, mkdirSync, openSync, readdirSync, unlinkSync, writevSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { FrameRecord, SegmentEnd, SegmentHeader } from './segment-index.js';

const enum RecordType {
  Header = 1,
  Init = 2,
  Fragment = 3,
  Trailer = 4,
  End = 5,
}

let sequence = 0;

/** pts, dts, key, receivedAtMs, ntpMs, pts estimated, packets lost before, damage (2 incomplete | 1 damaged). */
type FrameTuple = [string, string, 0 | 1, number, number | null, (0 | 1)?, number?, number?];

/** A byte range of the media file. */
export interface MediaRange {
  offset: number;
  length: number;
}

/** The media file that goes with a journal. */
export function journalMediaPath(journal: string): string {
  return journal.replace(/\.journal$/, '.fmp4');
}

/**
 * Syncs a closed journal and its media file to disk (media first): one that stays in the spool
 * because its segment did not reach the store must survive a power cut until the uploader stores it.
 */
export async function syncJournal(journal: string): Promise<void> {
  for (const file of [journalMediaPath(journal), journal]) {
    const handle = await open(file, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

/** Deletes a journal and its media file (either may be gone already). */
export async function removeJournal(journal: string): Promise<void> {
  await unlink(journalMediaPath(journal)).catch(() => {});
  await unlink(journal).catch(() => {});
}

/**
 * How long written records may stay in the page cache only. A process that dies (kill -9) loses
 * nothing either way; a power cut or a kernel crash loses at most this much of the recording, besides
 * what the camera sent while the machine was down. Most journals never need a sync: a segment is
 * stored and its journal deleted within this time (camera segments are uploaded as they are written;
 * a short one ends first). One synced after every fragment made kadr write every byte to disk twice
 * over, from its own threads (docs/live-cameras.md). A journal kept because its segment could not be
 * stored is synced at once (syncJournal).
 */
export const SPOOL_SYNC_AFTER_MS = 5000;

export class SpoolJournal {
  private fd: number | null;
  private media: number | null;
  /** Syncs started (each: the media file, then the journal). */
  syncs = 0;
  /** The sync of what was written since the last one, due SPOOL_SYNC_AFTER_MS after the first such write. */
  private syncTimer: NodeJS.Timeout | null = null;
  /** When that sync is due (performance.now()). */
  private syncDueAt = 0;
  private syncing = false;
  private syncAgain = false;
  /** Set by close() while a sync is in flight: closes the files when it ends. */
  private closeAfterSync: (() => void) | null = null;

  private constructor(
    readonly path: string,
    private readonly fsync: boolean,
    private readonly syncAfterMs: number,
  ) {
    // The media file first: a journal never names a file that does not exist.
    this.media = openSync(journalMediaPath(path), 'wx+');
    this.fd = openSync(path, 'wx');
  }

  /** The media file's descriptor, for the muxer to write into (read-write: the muxer's pieces are read back). */
  get mediaFd(): number {
    if (this.media === null) throw new Error(`spool journal ${this.path} is closed`);
    return this.media;
  }

  static create(
    dir: string,
    header: SegmentHeader,
    options: { fsync?: boolean; syncAfterMs?: number } = {},
  ): SpoolJournal {
    mkdirSync(dir, { recursive: true });
    const name = `${process.pid}.${Date.now().toString(36)}-${(sequence++).toString(36)}.journal`;
    const journal = new SpoolJournal(
      path.join(dir, name),
      options.fsync ?? true,
      options.syncAfterMs ?? SPOOL_SYNC_AFTER_MS,
    );
    journal.append(RecordType.Header, Buffer.from(JSON.stringify(header, bigintToString)));
    return journal;
  }

  writeInit(range: MediaRange): void {
    this.append(RecordType.Init, Buffer.from(JSON.stringify({ offset: range.offset, length: range.length })));
  }

  writeFragment(range: MediaRange, frames: FrameRecord[]): void {
    const tuples: FrameTuple[] = frames.map((f) => [
      f.ptsTicks.toString(),
      f.dtsTicks.toString(),
      f.key ? 1 : 0,
      f.receivedAtMs,
      f.ntpMs,
      f.ptsEstimated ? 1 : 0,
      f.lostPackets ?? 0,
      (f.incomplete ? 2 : 0) | (f.damaged ? 1 : 0),
    ]);
    this.append(
      RecordType.Fragment,
      Buffer.from(JSON.stringify({ offset: range.offset, length: range.length, frames: tuples })),
    );
  }

  writeTrailer(range: MediaRange): void {
    this.append(
      RecordType.Trailer,
      Buffer.from(JSON.stringify({ offset: range.offset, length: range.length })),
    );
  }

  /** The last record; synced like the others (SPOOL_SYNC_AFTER_MS), not at once. */
  writeEnd(endReason: SegmentEnd, nextPtsTicks: bigint | null): void {
    this.append(
      RecordType.End,
      Buffer.from(JSON.stringify({ endReason, nextPtsTicks: nextPtsTicks?.toString() ?? null })),
    );
  }

  /**
   * Closes both files; a sync in flight keeps them open until it ends (never a sync on a reused
   * descriptor). A sync still due is then made by path, unless remove() came first.
   */
  close(): void {
    const media = this.media;
    const fd = this.fd;
    this.media = null;
    this.fd = null;
    if (this.syncTimer) {
      // Still due when it was: closing does not push the sync past SPOOL_SYNC_AFTER_MS.
      clearTimeout(this.syncTimer);
      this.syncTimer = setTimeout(
        () => {
          this.syncTimer = null;
          this.syncs++;
          void syncJournal(this.path).catch(() => {}); // gone already: stored and deleted meanwhile
        },
        Math.max(0, this.syncDueAt - performance.now()),
      );
      this.syncTimer.unref();
    }
    if (this.syncing) {
      this.closeAfterSync = () => {
        if (media !== null) closeSync(media);
        if (fd !== null) closeSync(fd);
      };
      return;
    }
    if (media !== null) closeSync(media);
    if (fd !== null) closeSync(fd);
  }

  remove(): void {
    this.close();
    if (this.syncTimer) clearTimeout(this.syncTimer);
    this.syncTimer = null;
    unlinkSync(journalMediaPath(this.path));
    unlinkSync(this.path);
  }

  private append(type: RecordType, payload: Buffer): void {
    if (this.fd === null) throw new Error(`spool journal ${this.path} is closed`);
    const head = Buffer.alloc(5);
    head.writeUInt32BE(payload.length);
    head.writeUInt8(type, 4);
    // One write per record (writev, no copy) keeps records whole in the page cache even if the process
    // dies right after; a record cut short anyway is ignored by readJournal.
    const total = head.length + payload.length;
    const written = writevSync(this.fd, [head, payload]);
    if (written < total) writeRest(this.fd, Buffer.concat([head, payload]).subarray(written));
    if (this.fsync && !this.syncTimer) {
      this.syncDueAt = performance.now() + this.syncAfterMs;
      this.syncTimer = setTimeout(() => {
        this.syncTimer = null;
        this.syncSoon();
      }, this.syncAfterMs);
      this.syncTimer.unref();
    }
  }

  /** fdatasync off the main thread, now; at most one in flight, one more queued behind it. */
  private syncSoon(): void {
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    const fd = this.fd;
    const media = this.media;
    if (fd === null || media === null) return;
    this.syncing = true;
    this.syncs++;
    // The media bytes before the records that name them.
    fdatasync(media, () =>
      fdatasync(fd, () => {
        this.syncing = false;
        const close = this.closeAfterSync;
        this.closeAfterSync = null;
        if (close) close();
        else if (this.syncAgain && this.fd === fd) {
          this.syncAgain = false;
          this.syncSoon();
        }
      }),
    );
  }
}

export interface JournalContents {
  path: string;
  /** The media file the ranges are in. */
  mediaPath: string;
  header: SegmentHeader;
  /** Byte ranges of the media file that, in order, form the segment's fMP4. */
  mediaRanges: MediaRange[];
  mediaBytes: number;
  frames: FrameRecord[];
  end: { endReason: SegmentEnd; nextPtsTicks: bigint | null } | null;
}

/** Reads a journal's records up to the first incomplete one. Null when not even the header is whole. */
export async function readJournal(file: string): Promise<JournalContents | null> {
  const mediaPath = journalMediaPath(file);
  // A range the media file does not hold (its writes lost with the machine) ends the usable part.
  const mediaSize = await stat(mediaPath).then(
    (s) => s.size,
    () => 0,
  );
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const head = Buffer.alloc(5);
    let offset = 0;
    let header: SegmentHeader | null = null;
    let hasInit = false;
    const mediaRanges: MediaRange[] = [];
    const frames: FrameRecord[] = [];
    let end: JournalContents['end'] = null;
    const holds = (r: MediaRange) =>
      Number.isSafeInteger(r.offset) && Number.isSafeInteger(r.length) && r.offset + r.length <= mediaSize;
    while (offset + 5 <= size) {
      await fh.read(head, 0, 5, offset);
      const length = head.readUInt32BE(0);
      const type = head.readUInt8(4) as RecordType;
      const start = offset + 5;
      if (start + length > size) break; // cut short by a crash
      const payload = Buffer.alloc(length);
      await fh.read(payload, 0, length, start);
      const json = JSON.parse(payload.toString()) as unknown;
      if (type === RecordType.Header) header = json as SegmentHeader;
      else if (type === RecordType.Init) {
        if (!holds(json as MediaRange)) break;
        hasInit = true;
        mediaRanges.push(range(json as MediaRange));
      } else if (type === RecordType.Fragment && hasInit) {
        const f = json as MediaRange & { frames: FrameTuple[] };
        if (!holds(f)) break;
        for (const [pts, dts, key, receivedAtMs, ntpMs, estimated, lost, damage] of f.frames) {
          frames.push({
            ptsTicks: BigInt(pts),
            dtsTicks: BigInt(dts),
            key: key === 1,
            receivedAtMs,
            ntpMs,
            ptsEstimated: estimated === 1,
            // Journals written before loss was recorded end at `estimated`.
            lostPackets: lost ?? 0,
            incomplete: ((damage ?? 0) & 2) !== 0,
            damaged: ((damage ?? 0) & 1) !== 0,
          });
        }
        mediaRanges.push(range(f));
      } else if (type === RecordType.Trailer && hasInit) {
        if (!holds(json as MediaRange)) break;
        mediaRanges.push(range(json as MediaRange));
      } else if (type === RecordType.End) {
        const e = json as { endReason: SegmentEnd; nextPtsTicks: string | null };
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
      mediaPath,
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

function range(r: MediaRange): MediaRange {
  return { offset: r.offset, length: r.length };
}

/** The segment's fMP4 bytes, streamed from the media file. */
export function journalMediaStream(contents: JournalContents): Readable {
  return Readable.from(
    (async function* () {
      const fh = await open(contents.mediaPath, 'r');
      try {
        for (const r of contents.mediaRanges) {
          for (let done = 0; done < r.length;) {
            const n = Math.min(1 << 20, r.length - done);
            const b = Buffer.alloc(n);
            const { bytesRead } = await fh.read(b, 0, n, r.offset + done);
            if (bytesRead === 0)
              throw new Error(`spool media file ${contents.mediaPath} shrank while being read`);
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
  const orphan = (n: string) => {
    const pid = Number(n.split('.')[0]);
    return Number.isInteger(pid) && pid !== process.pid && !isRunning(pid);
  };
  // A media file whose journal was never created (killed in between) holds nothing usable.
  for (const n of names) {
    if (n.endsWith('.fmp4') && orphan(n) && !names.includes(n.replace(/\.fmp4$/, '.journal'))) {
      try {
        unlinkSync(path.join(dir, n));
      } catch {
        // another process got there first
      }
    }
  }
  return names
    .filter((n) => n.endsWith('.journal') && orphan(n))
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
