/**
 * People in one video: decode every frame once at full resolution, detect faces (on a frame FFmpeg
 * scales to the detector's size), follow them across frames (face-tracking.ts), keep a few of the
 * best faces of each track as aligned chips plus the best crop, embed the chips when the track ends,
 * and finally group tracks into people (face-clustering.ts) and match them against known profiles.
 *
 * Memory stays bounded whatever the video's length: per live track at most `samplesPerTrack` chips
 * (90 KB each) and one crop; an ended track keeps only its embeddings.
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

export interface AnalyzePeopleOptions {
  signal?: AbortSignal;
  /** onnxruntime and decoder threads (default 1). */
  threads?: number;
  /** Euclidean embedding distance under which two faces are one person (default 0.6). */
  sameDistance?: number;
  /** Profiles already known; a person near one of them gets its id (`profileId`). */
  knownProfiles?: readonly KnownProfile[];
  /** Faces smaller than this (px, longer side of the box) are tracked but never embedded (default 40). */
  minFaceSize?: number;
  /** Chips kept and embedded per track (default 5). */
  samplesPerTrack?: number;
  /** Called with frames done / total at most every 250 ms. */
  onProgress?: (framesDone: number, totalFrames: number) => void;
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
  centroid: Float32Array;
  /** JPEG of the best face (sharpest × most frontal × largest). */
  crop: Buffer;
  cropFrameIndex: number;
  cropMs: number;
  cropQuality: number;
  /** Time spans where the person is on screen, one per track, in time order. */
  appearances: PersonAppearance[];
}

export interface PeopleResult {
  totalFrames: number;
  people: VideoPerson[];
}

interface Sample {
  quality: number;
  chip: Float32Array;
}

interface TrackData {
  firstMs: number;
  lastMs: number;
  frames: number;
  samples: Sample[];
  lastSampleFrame: number;
  best?: { quality: number; crop: RgbCrop; frameIndex: number; tMs: number };
  embeddings?: Float32Array[];
}

const SAMPLE_EVERY_FRAMES = 2;
const MAX_PERSON_EMBEDDINGS = 8;

export async function analyzeVideoPeople(
  input: string,
  options: AnalyzePeopleOptions = {},
): Promise<PeopleResult> {
  const { signal } = options;
  const threads = options.threads ?? 1;
  const minFaceSize = options.minFaceSize ?? 40;
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
  const tracks = new Map<number, TrackData>();
  const ended: TrackData[] = [];
  const tb = reader.timeBase;
  const msOf = (offsetTicks: bigint) => Number((offsetTicks * BigInt(tb.num) * 1000n) / BigInt(tb.den));

  const endTracks = async (ids: number[]) => {
    for (const id of ids) {
      const t = tracks.get(id)!;
      tracks.delete(id);
      if (t.samples.length > 0) t.embeddings = await embedder.embedChips(t.samples.map((s) => s.chip));
      t.samples = [];
      ended.push(t);
    }
  };

  try {
    const size = detector.sizeFor(reader.width, reader.height);
    const fullIsDetectSize = size.width === reader.width && size.height === reader.height;
    let done = 0;
    let lastReport = performance.now();
    for await (const frame of reader.readPlanarBgr({ width: reader.width, height: reader.height })) {
      signal?.throwIfAborted();
      const small: PlanarBgr = fullIsDetectSize ? frame : scaler.scale(frame, size.width, size.height);
      const faces = await detector.detectPlanar(small, size);
      const tMs = msOf(frame.offsetTicks);
      const update = tracker.update(frame.frameIndex, faces);
      faces.forEach((face, i) => {
        const id = update.trackIds[i]!;
        let t = tracks.get(id);
        if (!t) {
          t = { firstMs: tMs, lastMs: tMs, frames: 0, samples: [], lastSampleFrame: -Infinity };
          tracks.set(id, t);
        }
        t.lastMs = tMs;
        t.frames++;
        const sizePx = Math.max(face.width, face.height);
        if (sizePx < minFaceSize || frame.frameIndex - t.lastSampleFrame < SAMPLE_EVERY_FRAMES) return;
        t.lastSampleFrame = frame.frameIndex;
        const chip = ChipEmbedder.chip(frame, face.landmarks);
        const quality = faceQuality({
          sharpness: chipSharpness(chip),
          frontality: frontality(face.landmarks),
          sizePx,
          score: face.score,
        });
        if (!t.best || quality > t.best.quality) {
          t.best = { quality, crop: cropFace(frame, face), frameIndex: frame.frameIndex, tMs };
        }
        // Keep the best few; a new sample replaces the worst one when it is better.
        if (t.samples.length < samplesPerTrack) t.samples.push({ quality, chip });
        else {
          let worst = 0;
          t.samples.forEach((s, k) => {
            if (s.quality < t!.samples[worst]!.quality) worst = k;
          });
          if (quality > t.samples[worst]!.quality) t.samples[worst] = { quality, chip };
        }
      });
      await endTracks(update.ended);
      done++;
      const now = performance.now();
      if (options.onProgress && now - lastReport >= 250) {
        lastReport = now;
        options.onProgress(done, reader.totalFrames);
      }
    }
    signal?.throwIfAborted();
    await endTracks(tracker.finish());
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
      const best = members.reduce((a, b) => (b.best!.quality > a.best!.quality ? b : a)).best!;
      const match = matchProfile(all, options.knownProfiles ?? [], sameDistance);
      return {
        profileId: match?.profileId ?? null,
        matchDistance: match?.distance ?? null,
        embeddings: pickSpread(all, MAX_PERSON_EMBEDDINGS),
        centroid: meanEmbedding(all),
        crop: encodeCropJpeg(best.crop),
        cropFrameIndex: best.frameIndex,
        cropMs: best.tMs,
        cropQuality: best.quality,
        appearances: members
          .map((t) => ({ firstMs: t.firstMs, lastMs: t.lastMs, frames: t.frames }))
          .sort((a, b) => a.firstMs - b.firstMs),
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

/** Up to `n` embeddings spread evenly over the list (the list is in track order, i.e. time order). */
function pickSpread(list: Float32Array[], n: number): Float32Array[] {
  if (list.length <= n) return list;
  return Array.from({ length: n }, (_, i) => list[Math.floor((i * list.length) / n)]!);
}
