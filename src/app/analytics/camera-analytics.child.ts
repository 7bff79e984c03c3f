/**
 * The child process that analyses one camera (spawned by camera-analysis.ts). A process per camera, not
 * a thread: FFmpeg and onnxruntime are native code, and a crash (or a kill -9) must end only this
 * camera's analytics, never the server, its recording or its viewers. Messages: analysis-messages.ts.
 *
 * Two loops. Decoding takes every unit in order (it must: H.264 predicts from earlier pictures), picks
 * the frames to analyse by their pts (one per 1/fps of pts, never by counting frames) and leaves the
 * newest sampled picture in a one-picture slot. Detection takes the slot's picture whenever the models
 * are free; a sampled picture that finds the slot still full replaces it and counts as skipped. So a
 * model that is slower than the asked fps analyses fewer frames, and decoding never waits for it.
 */
import '../../core/polyfill.js';
import {
  ChipEmbedder,
  COCO_CLASSES,
  cropFace,
  encodeCropJpeg,
  FaceDetector,
  matchProfile,
  ObjectDetector,
  PERSON_CLASS,
  type KnownProfile,
} from '../../analytics/index.js';
import { describeError } from '../../core/errors.js';
import {
  bgrToJpeg,
  bgrToPlanarBgr,
  configureFfmpegLog,
  UnitDecoder,
  type BgrPicture,
} from '../../media/index.js';
import type { ChildStart, Detection, FromChild, ToChild } from './analysis-messages.js';
import { inZones } from './zones.js';

/** The analysed picture's longest side: YuNet's detection size (detection-size.ts) and more than YOLOX's 416. */
const MAX_SIDE = 640;

const send = (msg: FromChild) =>
  new Promise<void>((resolve) => {
    if (!process.connected) return resolve();
    process.send!(msg, undefined, {}, () => resolve());
  });

interface Sampled {
  picture: BgrPicture;
  wallMs: number;
}

let start: ChildStart | null = null;
let decoder: UnitDecoder | null = null;
let profiles: KnownProfile[] = [];
let faces: FaceDetector | null = null;
let embedder: ChipEmbedder | null = null;
let objects: ObjectDetector | null = null;
let intervalTicks = 0n;
let nextDue: bigint | null = null;
let slot: Sampled | null = null;
let skipped = 0;
let consumed = 0;
let detecting = false;
const wallOf = new Map<bigint, number>();
let decoding: Promise<void> = Promise.resolve();

async function open(msg: ChildStart): Promise<void> {
  start = msg;
  profiles = msg.profiles;
  const tb = msg.timeBase;
  // Ticks of one sampling interval: den / (num · fps), rounded to a whole tick.
  intervalTicks = BigInt(Math.max(1, Math.round(tb.den / (tb.num * msg.settings.fps))));
  decoder = await UnitDecoder.open({
    codec: msg.codec,
    ...(msg.extradata ? { extradata: Buffer.from(msg.extradata) } : {}),
    timeBase: tb,
  });
  const detect = msg.settings.detect;
  if (detect.includes('faces')) {
    faces = await FaceDetector.create({ threads: 1 });
    embedder = await ChipEmbedder.create({ threads: 1 });
  }
  if (detect.some((d) => d !== 'faces')) objects = await ObjectDetector.create({ threads: 1 });
  await send({ type: 'ready' });
}

/** Within a tick of half a frame of the due time counts as due (pts of 25 fps on 90 kHz are exact anyway). */
const wanted = (pts: bigint) => nextDue === null || pts >= nextDue;

async function decodeUnit(data: Buffer, pts: bigint, key: boolean, wallMs: number): Promise<void> {
  if (!decoder) return;
  wallOf.set(pts, wallMs);
  if (wallOf.size > 256) wallOf.delete(wallOf.keys().next().value!);
  const pictures = await decoder.push(Buffer.from(data), pts, key, wanted, MAX_SIDE);
  for (const picture of pictures) {
    if (!wanted(picture.pts)) continue;
    nextDue = picture.pts + intervalTicks;
    const wall = wallOf.get(picture.pts);
    if (wall === undefined) continue;
    if (slot) skipped++;
    slot = { picture, wallMs: wall };
    if (!detecting) void detectLoop();
  }
  consumed++;
  if (consumed % 10 === 0) await send({ type: 'consumed', units: consumed });
}

async function detectLoop(): Promise<void> {
  detecting = true;
  try {
    while (slot) {
      const { picture, wallMs } = slot;
      slot = null;
      const detections = await analyse(picture);
      const jpeg = detections.length > 0 ? bgrToJpeg(picture.bgr, picture.width, picture.height) : null;
      const lost = skipped;
      skipped = 0;
      await send({ type: 'frame', pts: picture.pts, wallMs, detections, jpeg, skipped: lost });
    }
  } finally {
    detecting = false;
  }
}

async function analyse(p: BgrPicture): Promise<Detection[]> {
  const settings = start!.settings;
  const sx = p.sourceWidth / p.width;
  const sy = p.sourceHeight / p.height;
  const box = (x: number, y: number, w: number, h: number): [number, number, number, number] => [
    Math.round(x * sx),
    Math.round(y * sy),
    Math.round(w * sx),
    Math.round(h * sy),
  ];
  const out: Detection[] = [];
  if (objects) {
    const wantsAll = settings.detect.includes('objects');
    const wantsPersons = settings.detect.includes('persons');
    // The archive's detector with its score threshold chosen on the evaluation set (docs/analytics-evaluation.md).
    for (const o of await objects.detect(p.bgr, p.width, p.height)) {
      const className = COCO_CLASSES[o.classId]!;
      const isPerson = o.classId === PERSON_CLASS;
      if (isPerson ? !wantsPersons : !(wantsAll || settings.detect.includes(className))) continue;
      out.push({
        kind: isPerson ? 'person' : 'object',
        className,
        score: round(o.score),
        box: box(o.x, o.y, o.width, o.height),
      });
    }
  }
  if (faces && embedder) {
    const found = await faces.detect(p.bgr, p.width, p.height);
    let embeddings: Float32Array[] = [];
    const planar =
      found.length > 0 && profiles.length > 0
        ? bgrToPlanarBgr(p.bgr, p.width, p.height, p.width, p.height)
        : null;
    if (planar) embeddings = await embedder.embed(planar, found);
    found.forEach((f, i) => {
      const e = embeddings[i];
      const match = e ? matchProfile([e], profiles, start!.profileDistance) : null;
      out.push({
        kind: 'face',
        className: 'face',
        score: round(f.score),
        box: box(f.x, f.y, f.width, f.height),
        // A matched face goes with its embedding and crop: what "this is not X" of its event needs.
        ...(match
          ? { profileId: match.profileId, embedding: e, crop: encodeCropJpeg(cropFace(planar!, f)) }
          : {}),
      });
    });
  }
  const zones = settings.zones;
  return zones ? out.filter((d) => inZones(d.box, p.sourceWidth, p.sourceHeight, zones)) : out;
}

const round = (v: number) => Math.round(v * 1000) / 1000;

configureFfmpegLog();
process.on('message', (msg: ToChild) => {
  if (msg.type === 'start') {
    decoding = decoding.then(() => open(msg)).catch(fail);
  } else if (msg.type === 'unit') {
    decoding = decoding.then(() => decodeUnit(msg.data, msg.pts, msg.key, msg.wallMs)).catch(fail);
  } else if (msg.type === 'profiles') {
    profiles = msg.profiles;
  } else if (msg.type === 'stop') {
    process.exit(0);
  }
});
// The server is gone (or killed us off the channel): nobody reads our results.
process.on('disconnect', () => process.exit(0));

async function fail(error: unknown): Promise<void> {
  await send({ type: 'error', message: describeError(error) });
  process.exit(1);
}
