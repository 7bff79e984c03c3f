/**
 * People in one video: decode every frame once at full resolution, detect faces (on a frame FFmpeg
 * scales to the detector's size), follow them across frames (face-tracking.ts), embed a face of each
 * track every few frames, keep the embeddings of its best faces plus the best crop, and finally group
 * tracks into people (face-clustering.ts) and match them against known profiles.
 *
 * A track never crosses a hard cut (scene-cut.ts: every track ends there) and never jumps to another
 * face (track-identity.ts: an embedded face too far from the track's first ones starts a new track).
 *
 * Memory stays bounded whatever the video's length: per live track at most `samplesPerTrack`
 * embeddings (512 bytes each) and one crop.
 */
import { KadrError } from '../core/index.js';
import { VideoFrameReader } from '../media/index.js';
import { chipSharpness, frontality } from './face-chip.js';
import { clusterTracks, faceQuality, matchProfile, type KnownProfile } from './face-clustering.js';
import { cropFace, encodeCropJpeg, PlanarScaler, type RgbCrop } from './face-crop.js';
import { FaceDetector, type PlanarBgr } from './face-detector.js';
import { ChipEmbedder } from './chip-embedder.js';
import { meanEmbedding, SAME_PERSON_DISTANCE } from './embedding-distance.js';
import { FaceTracker } from './face-tracking.js';
import { SceneCutDetector } from './scene-cut.js';
import { TrackIdentity } from './track-identity.js';
import type { FaceDetection } from './yunet-decode.js';

export interface AnalyzePeopleOptions {
  signal?: AbortSignal;
  /** onnxruntime and decoder threads (default 1). */
  threads?: number;
  /** Euclidean embedding distance under which two faces are one person (default 0.6). */
  sameDistance?: number;
  /** Profiles already known; a person near one of them gets its id (`profileId`). */
  knownProfiles?: readonly KnownProfile[];
  /**
   * Embedding distance from a track's first faces over which a face is someone else and starts a new
   * track (default TRACK_SPLIT_DISTANCE).
   */
  splitDistance?: number;
  /** Faces smaller than this (px, longer side of the box) are tracked but never embedded (default MIN_EMBED_FACE). */
  minFaceSize?: number;
  /** Chips kept and embedded per track (default 5). */
  samplesPerTrack?: number;
  /** Called with frames done / total at most every 250 ms. */
  onProgress?: (framesDone: number, totalFrames: number) => void;
  /** Every frame's faces and the track each belongs to (for evaluation: bench/eval-analytics.ts). */
  onFrameFaces?: (frameIndex: number, faces: readonly FaceDetection[], trackIds: readonly number[]) => void;
}

export interface PersonAppearance {
  /** Milliseconds after the first frame (pts based). */
  firstMs: number;
  lastMs: number;
  frames: number;
}

export interface VideoPerson {
  /** The known profile this person matched, or null for someone new. */
  profileId: string | null;
  /** Distance to that profile (null when new). */
  matchDistance: number | null;
  /** The embeddings of the person's best faces (up to 8) and their mean. */
  embeddings: Float32Array[];
  /** When each of those faces was seen (ms after the first frame), in the same order. */
  embeddingMs: number[];
  centroid: Float32Array;
  /** JPEG of the best face (sharpest × most frontal × largest). */
  crop: Buffer;
  cropFrameIndex: number;
  cropMs: number;
  cropQuality: number;
  /** Time spans where the person is on screen, one per track, in time order. */
  appearances: PersonAppearance[];
  /** The ids of those tracks (as given to onFrameFaces), in the same order. */
  trackIds: number[];
}

export interface PeopleResult {
  totalFrames: number;
  people: VideoPerson[];
}

interface Sample {
  quality: number;
  embedding: Float32Array;
  tMs: number;
}

interface TrackData {
  id: number;
  firstMs: number;
  lastMs: number;
  frames: number;
  samples: Sample[];
  lastSampleFrame: number;
  best?: { quality: number; crop: RgbCrop; frameIndex: number; tMs: number };
  embeddings?: Float32Array[];
  embeddingMs?: number[];
}

const SAMPLE_EVERY_FRAMES = 2;
/**
 * On the evaluation set (docs/analytics-evaluation.md) a face stays within 0.633 of its track's first
 * faces while the head turns and tilts (head-pose clips), and two different people of
 * test/fixtures/faces are at least 0.709 apart (test/fixtures/faces/SOURCES.md): the split lies between.
 */
export const TRACK_SPLIT_DISTANCE = 0.68;
/**
 * The smallest face embedded: the evaluated size (faces of 24 px and more). With 40, the people of a clip
 * whose faces are 24–31 px got no profile at all; with 24 every labelled clip gets its people
 * (docs/analytics-evaluation.md).
 */
export const MIN_EMBED_FACE = 24;
const MAX_PERSON_EMBEDDINGS = 8;

export async function analyzeVideoPeople(
  input: string,
  options: AnalyzePeopleOptions = {},
): Promise<PeopleResult> {
  const { signal } = options;
  const threads = options.threads ?? 1;
  const minFaceSize = options.minFaceSize ?? MIN_EMBED_FACE;
  const samplesPerTrack = options.samplesPerTrack ?? 5;
  const sameDistance = options.sameDistance ?? SAME_PERSON_DISTANCE;
  if (!(sameDistance > 0 && sameDistance < 2)) {
    throw new KadrError('KADR_ERR_CONFIG', `same-person distance must be in (0, 2), got ${sameDistance}`);
  }
  signal?.throwIfAborted();
  const reader = await VideoFrameReader.open(input, { threads });
  const detector = await FaceDetector.create({ threads });
  const embedder = await ChipEmbedder.create({ threads });
  const scaler = new PlanarScaler();
  const tracker = new FaceTracker();
  const cuts = new SceneCutDetector();
  const identity = new TrackIdentity({ splitDistance: options.splitDistance ?? TRACK_SPLIT_DISTANCE });
  const tracks = new Map<number, TrackData>();
  const ended: TrackData[] = [];
  const tb = reader.timeBase;
  const msOf = (offsetTicks: bigint) => Number((offsetTicks * BigInt(tb.num) * 1000n) / BigInt(tb.den));

  const endTracks = (ids: number[]) => {
    for (const id of ids) {
      const t = tracks.get(id);
      identity.forget(id);
      if (!t) continue;
      tracks.delete(id);
      if (t.samples.length > 0) {
        t.embeddings = t.samples.map((s) => s.embedding);
        t.embeddingMs = t.samples.map((s) => s.tMs);
      }
      t.samples = [];
      ended.push(t);
    }
  };
  const newTrack = (id: number, tMs: number): TrackData => {
    const t: TrackData = {
      id,
      firstMs: tMs,
      lastMs: tMs,
      frames: 0,
      samples: [],
      lastSampleFrame: -Infinity,
    };
    tracks.set(id, t);
    return t;
  };

  try {
    const size = detector.sizeFor(reader.width, reader.height);
    const fullIsDetectSize = size.width === reader.width && size.height === reader.height;
    let done = 0;
    let lastReport = performance.now();
    for await (const frame of reader.readPlanarBgr({ width: reader.width, height: reader.height })) {
      signal?.throwIfAborted();
      const small: PlanarBgr = fullIsDetectSize ? frame : scaler.scale(frame, size.width, size.height);
      if (cuts.update(small)) endTracks(tracker.cut());
      const faces = await detector.detectPlanar(small, size);
      const tMs = msOf(frame.offsetTicks);
      const update = tracker.update(frame.frameIndex, faces);
      const trackIds = [...update.trackIds];
      // Faces to embed in this frame: big enough, and the track's last sample a few frames back.
      const due: { i: number; chip: Float32Array; quality: number }[] = [];
      faces.forEach((face, i) => {
        const t = tracks.get(trackIds[i]!);
        const sizePx = Math.max(face.width, face.height);
        if (sizePx < minFaceSize || (t && frame.frameIndex - t.lastSampleFrame < SAMPLE_EVERY_FRAMES)) return;
        const chip = ChipEmbedder.chip(frame, face.landmarks);
        const quality = faceQuality({
          sharpness: chipSharpness(chip),
          frontality: frontality(face.landmarks),
          sizePx,
          score: face.score,
        });
        due.push({ i, chip, quality });
      });
      const embeddings = due.length > 0 ? await embedder.embedChips(due.map((d) => d.chip)) : [];
      const embeddingOf = new Map<number, { embedding: Float32Array; quality: number }>();
      due.forEach((d, k) => {
        const embedding = embeddings[k]!;
        embeddingOf.set(d.i, { embedding, quality: d.quality });
        if (!identity.check(trackIds[d.i]!, embedding).same) {
          // Someone else took this track's place: the track ends, the face goes on as a new one.
          const old = trackIds[d.i]!;
          trackIds[d.i] = tracker.split(old);
          endTracks([old]);
          identity.check(trackIds[d.i]!, embedding);
        }
      });
      faces.forEach((face, i) => {
        const id = trackIds[i]!;
        const t = tracks.get(id) ?? newTrack(id, tMs);
        t.lastMs = tMs;
        t.frames++;
        const sample = embeddingOf.get(i);
        if (!sample) return;
        t.lastSampleFrame = frame.frameIndex;
        const { quality, embedding } = sample;
        if (!t.best || quality > t.best.quality) {
          t.best = { quality, crop: cropFace(frame, face), frameIndex: frame.frameIndex, tMs };
        }
        // Keep the best few; a new sample replaces the worst one when it is better.
        if (t.samples.length < samplesPerTrack) t.samples.push({ quality, embedding, tMs });
        else {
          let worst = 0;
          t.samples.forEach((s, k) => {
            if (s.quality < t.samples[worst]!.quality) worst = k;
          });
          if (quality > t.samples[worst]!.quality) t.samples[worst] = { quality, embedding, tMs };
        }
      });
      options.onFrameFaces?.(frame.frameIndex, faces, trackIds);
      endTracks(update.ended);
      done++;
      const now = performance.now();
      if (options.onProgress && now - lastReport >= 250) {
        lastReport = now;
        options.onProgress(done, reader.totalFrames);
      }
    }
    signal?.throwIfAborted();
    endTracks(tracker.finish());
    options.onProgress?.(done, reader.totalFrames);
    if (done === 0)
      throw new KadrError('KADR_ERR_INPUT_CORRUPT', `${input}: no frame of the video could be decoded`);

    const usable = ended.filter((t) => t.embeddings && t.embeddings.length > 0 && t.best);
    const groups = clusterTracks(
      usable.map((t) => ({ embeddings: t.embeddings! })),
      sameDistance,
    );
    const people: VideoPerson[] = groups.map((g) => {
      const members = g.map((i) => usable[i]!);
      const all = members.flatMap((t) => t.embeddings!);
      const allMs = members.flatMap((t) => t.embeddingMs!);
      const kept = spreadIndices(all.length, MAX_PERSON_EMBEDDINGS);
      const best = members.reduce((a, b) => (b.best!.quality > a.best!.quality ? b : a)).best!;
      const match = matchProfile(all, options.knownProfiles ?? [], sameDistance);
      return {
        profileId: match?.profileId ?? null,
        matchDistance: match?.distance ?? null,
        embeddings: kept.map((i) => all[i]!),
        embeddingMs: kept.map((i) => allMs[i]!),
        centroid: meanEmbedding(all),
        crop: encodeCropJpeg(best.crop),
        cropFrameIndex: best.frameIndex,
        cropMs: best.tMs,
        cropQuality: best.quality,
        appearances: members
          .map((t) => ({ firstMs: t.firstMs, lastMs: t.lastMs, frames: t.frames }))
          .sort((a, b) => a.firstMs - b.firstMs),
        trackIds: [...members].sort((a, b) => a.firstMs - b.firstMs).map((t) => t.id),
      };
    });
    people.sort((a, b) => a.appearances[0]!.firstMs - b.appearances[0]!.firstMs);
    return { totalFrames: reader.totalFrames, people };
  } finally {
    scaler.close();
    await detector.close();
    await embedder.close();
  }
}

/** Up to `n` indices spread evenly over a list of `length` (the list is in track order, i.e. time order). */
function spreadIndices(length: number, n: number): number[] {
  if (length <= n) return Array.from({ length }, (_, i) => i);
  return Array.from({ length: n }, (_, i) => Math.floor((i * length) / n));
}
