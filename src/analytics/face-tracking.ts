/**
 * Follows faces from frame to frame: a detection continues the track whose last box overlaps it
 * most (IoU), greedily, best pairs first; a track that finds no face for `maxGapFrames` frames ends.
 * A face that leaves and comes back starts a new track; the embeddings join them again later
 * (face-clustering.ts). Two things end tracks early, decided by the caller: a hard cut (`cut`, from
 * scene-cut.ts), after which the face at the same place may be someone else, and a face that no longer
 * looks like the track's (`split`, from the embedding check in track-identity.ts). Pure: no pixels, no model.
 */
import { iou } from './nms.js';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface FaceTrackerOptions {
  /** Minimum overlap for a detection to continue a track (default 0.3). */
  minIou?: number;
  /** Frames a track survives without a matching face, so that one missed detection does not split it (default 5). */
  maxGapFrames?: number;
}

export interface TrackUpdate {
  /** Track id of each detection passed to `update`, in the same order. */
  trackIds: number[];
  /** Tracks that ended with this frame (no face for longer than maxGapFrames). */
  ended: number[];
}

interface ActiveTrack {
  id: number;
  box: Box;
  lastFrameIndex: number;
}

export class FaceTracker {
  private readonly minIou: number;
  private readonly maxGapFrames: number;
  private active: ActiveTrack[] = [];
  private nextId = 0;

  constructor(options: FaceTrackerOptions = {}) {
    this.minIou = options.minIou ?? 0.3;
    this.maxGapFrames = options.maxGapFrames ?? 5;
  }

  update(frameIndex: number, boxes: readonly Box[]): TrackUpdate {
    const pairs: { t: number; d: number; overlap: number }[] = [];
    this.active.forEach((track, t) => {
      boxes.forEach((box, d) => {
        const overlap = iou(track.box, box);
        if (overlap >= this.minIou) pairs.push({ t, d, overlap });
      });
    });
    pairs.sort((p, q) => q.overlap - p.overlap);
    const trackIds = new Array<number>(boxes.length).fill(-1);
    const usedTracks = new Set<number>();
    for (const { t, d } of pairs) {
      if (usedTracks.has(t) || trackIds[d] !== -1) continue;
      usedTracks.add(t);
      const track = this.active[t]!;
      track.box = boxes[d]!;
      track.lastFrameIndex = frameIndex;
      trackIds[d] = track.id;
    }
    boxes.forEach((box, d) => {
      if (trackIds[d] !== -1) return;
      const track = { id: this.nextId++, box, lastFrameIndex: frameIndex };
      this.active.push(track);
      trackIds[d] = track.id;
    });
    const ended: number[] = [];
    this.active = this.active.filter((t) => {
      if (frameIndex - t.lastFrameIndex > this.maxGapFrames) {
        ended.push(t.id);
        return false;
      }
      return true;
    });
    return { trackIds, ended };
  }

  /**
   * A hard cut before `frameIndex`: every track ends now, so that no track continues into the next shot
   * however well a face there overlaps one of the last shot.
   */
  cut(): number[] {
    return this.finish();
  }

  /**
   * The face that continued `trackId` is someone else: the track ends (the caller ends it) and the face
   * goes on under a new id, which is returned.
   */
  split(trackId: number): number {
    const track = this.active.find((t) => t.id === trackId);
    if (!track) throw new RangeError(`no active track ${trackId}`);
    track.id = this.nextId++;
    return track.id;
  }

  /** Ends every track (end of the video). */
  finish(): number[] {
    const ids = this.active.map((t) => t.id);
    this.active = [];
    return ids;
  }
}
