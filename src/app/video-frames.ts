/**
 * The timeline tools over uploaded videos, for the web UI and the API (the CLI's `kadr frame`,
 * `kadr compare` and `kadr same-moment` over stored videos): the exact frame shown t ms after a
 * video's first frame (src/timeline/frame-at.ts), an original and its recording compared at t, and
 * the same moment in two videos with the frames each skipped to reach it. Times come from the frames'
 * PTS, never from a frame rate.
 */
import { KadrError } from '../core/errors.js';
import { ticksToMs } from '../core/rational.js';
import type { VideosRepository } from '../db/index.js';
import { encodeImage } from '../media/index.js';
import type { ObjectStore } from '../storage/index.js';
import {
  compareAt,
  type FrameAtInfo,
  type FrameIndex,
  FrameLookup,
  momentLogLine,
  parseTimeMs,
  timeMsToNumber,
  type VideoRef,
} from '../timeline/index.js';

/** One video's frame at t, as JSON (64-bit PTS as a string). */
export interface VideoFrameInfo {
  videoId: string;
  filename: string;
  /** The time asked, ms after the video's first frame. */
  tMs: number;
  /** 0-based presentation index of the frame shown then: the frames skipped to reach t. */
  index: number;
  ptsTicks: string;
  ptsMs: number;
  timeBase: string;
  /** When the frame starts, ms after the first frame (at or before tMs). */
  sinceFirstMs: number;
  keyframe: boolean;
  /** Packets decoded from the keyframe to reach it. */
  packetsDecoded: number;
  /** When the previous and the next frame start (ms after the first frame); null at either end. */
  previousFrameMs: number | null;
  nextFrameMs: number | null;
}

export interface VideoComparison {
  tMs: number;
  original: VideoFrameInfo;
  recording: VideoFrameInfo;
  /** Every decoded sample equal (a passthrough recording). */
  identical: boolean;
  /** PSNR over Y, U and V in dB; null when identical. */
  psnr: number | null;
  /** The recording was scaled to the original's size to compare. */
  scaled: boolean;
}

export interface SameMomentAnswer {
  tMs: number;
  a: VideoFrameInfo;
  b: VideoFrameInfo;
  /** One line per video: frames skipped to reach t, the frame's PTS (the CLI's same-moment.log). */
  log: string[];
}

export interface VideoFramesDeps {
  repo: Pick<VideosRepository, 'get'>;
  store: Pick<ObjectStore, 'readLocation'>;
}

export class VideoFrames {
  constructor(private readonly o: VideoFramesDeps) {}

  /** The frame shown `t` ms after the first frame, as JPEG, with what it is. */
  async frame(videoId: string, t: string): Promise<{ info: VideoFrameInfo; jpeg: Buffer }> {
    const video = await this.ref(videoId);
    const time = parseTimeMs(t);
    const lookup = await FrameLookup.open(video.ref);
    try {
      const r = await lookup.at(time);
      try {
        return {
          info: frameInfo(video, timeMsToNumber(time), r, lookup.index),
          jpeg: encodeImage(r.frame, 'jpeg'),
        };
      } finally {
        r.frame.free();
      }
    } finally {
      await lookup.close();
    }
  }

  /** The same as frame(), without decoding more than the look-up needs to name the frame. */
  async frameInfo(videoId: string, t: string): Promise<VideoFrameInfo> {
    const video = await this.ref(videoId);
    const time = parseTimeMs(t);
    const lookup = await FrameLookup.open(video.ref);
    try {
      const r = await lookup.at(time);
      r.frame.free();
      return frameInfo(video, timeMsToNumber(time), r, lookup.index);
    } finally {
      await lookup.close();
    }
  }

  /** An original and its recording at the same t: which frame each shows and whether they match. */
  async compare(originalId: string, recordingId: string, t: string): Promise<VideoComparison> {
    const [original, recording] = [await this.ref(originalId), await this.ref(recordingId)];
    const r = await compareAt(original.ref, recording.ref, t);
    return {
      tMs: r.tMs,
      original: frameInfo(original, r.tMs, r.original, null),
      recording: frameInfo(recording, r.tMs, r.recording, null),
      identical: r.identical,
      psnr: r.psnr,
      scaled: r.scaled,
    };
  }

  /** The same moment t in two videos: the frame each shows and how many frames it skipped for it. */
  async sameMoment(aId: string, bId: string, t: string): Promise<SameMomentAnswer> {
    const [a, b] = [await this.ref(aId), await this.ref(bId)];
    const time = parseTimeMs(t);
    const tMs = timeMsToNumber(time);
    const sides: VideoFrameInfo[] = [];
    const log: string[] = [];
    for (const [label, video] of [['a', a] as const, ['b', b] as const]) {
      const lookup = await FrameLookup.open(video.ref);
      try {
        const r = await lookup.at(time);
        r.frame.free();
        sides.push(frameInfo(video, tMs, r, lookup.index));
        log.push(momentLogLine(label, video.ref, tMs, r));
      } finally {
        await lookup.close();
      }
    }
    return { tMs, a: sides[0]!, b: sides[1]!, log };
  }

  private async ref(videoId: string): Promise<{ id: string; filename: string; ref: VideoRef }> {
    const row = await this.o.repo.get(videoId);
    if (!row) throw new KadrError('KADR_ERR_NOT_FOUND', `no video with id ${videoId}`);
    // The object's URL may change per call (presigned); the cache key names the stored video itself.
    const location = await this.o.store.readLocation(row.objectKey, 600);
    return {
      id: row.id,
      filename: row.filename,
      ref: { location, label: row.filename, cacheKey: `video:${row.id}` },
    };
  }
}

function frameInfo(
  video: { id: string; filename: string },
  tMs: number,
  r: FrameAtInfo,
  index: FrameIndex | null,
): VideoFrameInfo {
  const startOf = (i: number): number | null => {
    const pts = index?.pts[i];
    return pts === undefined || !index ? null : ticksToMs(pts - index.pts[0]!, index.timeBase);
  };
  return {
    videoId: video.id,
    filename: video.filename,
    tMs,
    index: r.index,
    ptsTicks: r.ptsTicks.toString(),
    ptsMs: r.ptsMs,
    timeBase: `${r.timeBase.num}/${r.timeBase.den}`,
    sinceFirstMs: r.sinceFirstMs,
    keyframe: r.keyframe,
    packetsDecoded: r.packetsDecoded,
    previousFrameMs: startOf(r.index - 1),
    nextFrameMs: startOf(r.index + 1),
  };
}
