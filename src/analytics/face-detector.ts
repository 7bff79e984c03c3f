/**
 * YuNet face detector on onnxruntime. Input is planar BGR at the detection size (FFmpeg makes it, see
 * src/media/frame-reader.ts); the tensor is NCHW float32 with raw 0…255 values, the picture top-left and
 * zero padding up to multiples of 32 (models/README.md §1).
 *
 * The uint8 → float32 conversion is `Float32Array.prototype.set` on a Uint8Array: V8 does the element
 * conversion natively, one call per plane (per row when strides differ), so no per-pixel JS loop runs.
 */
import { KadrError } from '../core/index.js';
import { bgrToPlanarBgr } from '../media/index.js';
import { DEFAULT_MAX_SIDE, detectionSize, type DetectionSize } from './detection-size.js';
import { FACE_DETECTOR_MODEL, modelPath } from './model-files.js';
import { openOnnxSession, ort } from './onnx-session.js';
import { checkPackedBgr } from './packed-bgr.js';
import {
  decodeYunet,
  DEFAULT_NMS_THRESHOLD,
  DEFAULT_SCORE_THRESHOLD,
  YUNET_STRIDES,
  type FaceDetection,
  type YunetStrideOutput,
} from './yunet-decode.js';

export interface FaceDetectorOptions {
  /** onnxruntime intra-op threads (default 1: one video per core). */
  threads?: number;
  /** Keep faces scoring at least this (default DEFAULT_SCORE_THRESHOLD, docs/analytics-evaluation.md). */
  scoreThreshold?: number;
  nmsThreshold?: number;
  /** Longest side the frame is scaled to before detection (default DEFAULT_MAX_SIDE). */
  maxSide?: number;
}

/** Planar 8-bit BGR picture, each plane `stride` bytes per row. */
export interface PlanarBgr {
  width: number;
  height: number;
  b: Uint8Array;
  g: Uint8Array;
  r: Uint8Array;
  stride: number;
}

export class FaceDetector {
  private tensorData = new Float32Array(0);
  private tensorWidth = 0;
  private tensorHeight = 0;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly scoreThreshold: number,
    readonly nmsThreshold: number,
    readonly maxSide: number,
  ) {}

  static async create(options: FaceDetectorOptions = {}): Promise<FaceDetector> {
    const session = await openOnnxSession(modelPath(FACE_DETECTOR_MODEL), { threads: options.threads ?? 1 });
    const scoreThreshold = options.scoreThreshold ?? DEFAULT_SCORE_THRESHOLD;
    if (!(scoreThreshold > 0 && scoreThreshold <= 1)) {
      throw new KadrError('KADR_ERR_CONFIG', `face score threshold must be in (0, 1], got ${scoreThreshold}`);
    }
    return new FaceDetector(
      session,
      scoreThreshold,
      options.nmsThreshold ?? DEFAULT_NMS_THRESHOLD,
      options.maxSide ?? DEFAULT_MAX_SIDE,
    );
  }

  /** The size frames of `width`×`height` should be scaled to before `detectPlanar`. */
  sizeFor(width: number, height: number): DetectionSize {
    return detectionSize(width, height, this.maxSide);
  }

  /**
   * Faces in a packed BGR picture (`bgr24`, 3 bytes per pixel, rows without padding), in its pixels.
   * FFmpeg scales it to the detection size and splits the planes.
   */
  async detect(bgr: Buffer, width: number, height: number): Promise<FaceDetection[]> {
    checkPackedBgr(bgr, width, height);
    const size = this.sizeFor(width, height);
    const planes = bgrToPlanarBgr(bgr, width, height, size.width, size.height);
    return this.detectPlanar(planes, size);
  }

  /** Faces in a picture already at `size.width`×`size.height`; coordinates are divided by the scale. */
  detectPlanar(picture: PlanarBgr, size: DetectionSize): Promise<FaceDetection[]> {
    // One input tensor is reused across calls, so calls run one after another: a second call must not
    // refill it while the first inference still reads it.
    const run = this.queue.then(() => this.runDetection(picture, size));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async runDetection(picture: PlanarBgr, size: DetectionSize): Promise<FaceDetection[]> {
    const { inputWidth: W, inputHeight: H } = size;
    this.fillTensor(picture, W, H);
    const input = new ort.Tensor('float32', this.tensorData, [1, 3, H, W]);
    const out = await this.session.run({ input });
    const strides: YunetStrideOutput[] = YUNET_STRIDES.map((stride) => ({
      stride,
      cls: out[`cls_${stride}`]!.data as Float32Array,
      obj: out[`obj_${stride}`]!.data as Float32Array,
      bbox: out[`bbox_${stride}`]!.data as Float32Array,
      kps: out[`kps_${stride}`]!.data as Float32Array,
    }));
    const faces = decodeYunet(strides, {
      inputWidth: W,
      inputHeight: H,
      scoreThreshold: this.scoreThreshold,
      nmsThreshold: this.nmsThreshold,
      scaleX: size.scaleX,
      scaleY: size.scaleY,
    });
    for (const t of Object.values(out)) t.dispose();
    return faces;
  }

  async close(): Promise<void> {
    await this.session.release();
  }

  private fillTensor(p: PlanarBgr, W: number, H: number): void {
    if (p.width > W || p.height > H)
      throw new RangeError(`picture ${p.width}x${p.height} exceeds input ${W}x${H}`);
    if (this.tensorWidth !== W || this.tensorHeight !== H) {
      this.tensorData = new Float32Array(3 * W * H);
      this.tensorWidth = W;
      this.tensorHeight = H;
    }
    // Only the picture area is written: the zero padding right and below stays as allocated.
    const planeSize = W * H;
    [p.b, p.g, p.r].forEach((plane, c) => {
      const base = c * planeSize;
      if (p.stride === W && p.width === W) {
        this.tensorData.set(plane.subarray(0, W * p.height), base);
      } else {
        for (let y = 0; y < p.height; y++) {
          this.tensorData.set(plane.subarray(y * p.stride, y * p.stride + p.width), base + y * W);
        }
      }
    });
  }
}

export type { FaceDetection };
