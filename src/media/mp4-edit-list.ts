/**
 * Shortens the presentation of a progressive MP4 file in place: the duration of its one track's
 * edit (elst, ISO/IEC 14496-12 §8.6.6), with the track's (tkhd) and the movie's (mvhd) durations
 * that restate it. libavformat's mov muxer ends the edit at the end of the latest-presented sample it
 * was given; a clip cut from a stream with B-frames must carry samples presented after its last
 * wanted frame (decoded before it, as references), and only the edit keeps players from showing them.
 * The moov box is edited where it lies; no box changes size.
 *
 *   box  = size:u32 type:char[4] [largesize:u64 when size == 1] payload
 *   mvhd = version:u8 flags:u24 creation,modification:(u32|u64) timescale:u32 duration:(u32|u64) ...
 *   tkhd = version:u8 flags:u24 creation,modification:(u32|u64) track_ID:u32 reserved:u32 duration ...
 *   elst = version:u8 flags:u24 entry_count:u32 { segment_duration:(u32|u64) media_time rate:u32 }*
 */
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';

interface Box {
  type: string;
  /** Payload range, in the buffer the box was found in. */
  start: number;
  end: number;
}

/**
 * Sets the presentation duration of `file` to `ticks` of `timeBase` (rounded down to the
 * movie's timescale, so that no sample starting at or after that time is shown). The file must hold
 * one track with an edit list of one edit: what the mov muxer writes when the earliest presented
 * sample is at time 0 or before.
 */
export function setPresentationDuration(
  file: string,
  ticks: bigint,
  timeBase: { num: number; den: number },
): void {
  const fd = openSync(file, 'r+');
  try {
    const moovBox = topLevel(fd, 'moov');
    const moov = Buffer.alloc(moovBox.end - moovBox.start);
    readExactly(fd, moov, moovBox.start);
    const mvhd = child(moov, 0, moov.length, 'mvhd');
    const traks = children(moov, 0, moov.length).filter((b) => b.type === 'trak');
    if (traks.length !== 1) throw new Error(`mp4: ${traks.length} tracks, one expected`);
    const trak = traks[0]!;
    const tkhd = child(moov, trak.start, trak.end, 'tkhd');
    const edts = child(moov, trak.start, trak.end, 'edts');
    const elst = child(moov, edts.start, edts.end, 'elst');

    const v1 = moov[mvhd.start] === 1;
    const movieTimescale = moov.readUInt32BE(mvhd.start + (v1 ? 20 : 12));
    const duration = (ticks * BigInt(timeBase.num) * BigInt(movieTimescale)) / BigInt(timeBase.den);
    writeDuration(moov, mvhd.start + (v1 ? 24 : 16), v1, duration);
    const tv1 = moov[tkhd.start] === 1;
    writeDuration(moov, tkhd.start + (tv1 ? 28 : 20), tv1, duration);

    const ev1 = moov[elst.start] === 1;
    const entry = elst.start + 8;
    if (moov.readUInt32BE(elst.start + 4) !== 1 || entry + (ev1 ? 20 : 12) > elst.end) {
      throw new Error('mp4: an edit list of one edit expected');
    }
    writeDuration(moov, entry, ev1, duration);
    writeExactly(fd, moov, moovBox.start);
  } finally {
    closeSync(fd);
  }
}

function writeDuration(buf: Buffer, at: number, v1: boolean, value: bigint): void {
  if (v1) buf.writeBigUInt64BE(value, at);
  else if (value <= 0xffffffffn) buf.writeUInt32BE(Number(value), at);
  else throw new Error('mp4: duration does not fit the box version');
}

/** The payload range (file offsets) of the top-level box of type `type`. */
function topLevel(fd: number, type: string): Box {
  const size = fstatSync(fd).size;
  const head = Buffer.alloc(16);
  for (let at = 0; at + 8 <= size;) {
    const got = readSync(fd, head, 0, 16, at);
    const box = header(head.subarray(0, got), 0, size - at);
    if (box.type === type) return { type, start: at + box.start, end: at + box.end };
    at += box.end;
  }
  throw new Error(`mp4: no ${type} box`);
}

function children(buf: Buffer, start: number, end: number): Box[] {
  const out: Box[] = [];
  for (let at = start; at + 8 <= end;) {
    const box = header(buf, at, end - at);
    out.push(box);
    at = box.end;
  }
  return out;
}

function child(buf: Buffer, start: number, end: number, type: string): Box {
  const box = children(buf, start, end).find((b) => b.type === type);
  if (!box) throw new Error(`mp4: no ${type} box`);
  return box;
}

/** The box whose header is at `at` in `buf`; `room` bytes are left for it. */
function header(buf: Buffer, at: number, room: number): Box {
  let size = buf.readUInt32BE(at);
  const type = buf.toString('latin1', at + 4, at + 8);
  let headerSize = 8;
  if (size === 1) {
    size = Number(buf.readBigUInt64BE(at + 8));
    headerSize = 16;
  } else if (size === 0) {
    size = room;
  }
  if (size < headerSize || size > room) throw new Error(`mp4: box '${type}' overruns its parent`);
  return { type, start: at + headerSize, end: at + size };
}

function readExactly(fd: number, buf: Buffer, position: number): void {
  for (let done = 0; done < buf.length;) {
    const got = readSync(fd, buf, done, buf.length - done, position + done);
    if (got <= 0) throw new Error('mp4: file ends inside a box');
    done += got;
  }
}

function writeExactly(fd: number, buf: Buffer, position: number): void {
  for (let done = 0; done < buf.length;) {
    done += writeSync(fd, buf, done, buf.length - done, position + done);
  }
}
