/**
 * YOLOX-nano person and object detector on onnxruntime (models/README.md, YOLOX-nano). The frame is
 * scaled keeping its aspect ratio so that its longer side is 416 (`objectInputSize`; FFmpeg scales: the
 * archive's frame reader, src/media/frame-reader.ts, or `detect` for a packed picture of any size, as the
 * live camera analysis passes), placed top-left in the 416×416 input, and the rest is filled with 114, as
 * YOLOX's own preprocessing does; the tensor is NCHW float32, BGR, raw 0…255.
 */
import { KadrError } from '../core/index.js';
import { bgrToPlanarBgr } from '../media/index.js';
import { OBJECT_DETECTOR_MODEL, modelPath } from './model-files.js';
import { openOnnxSession, ort } from './onnx-session.js';
import type { PlanarBgr } from './face-detector.js';
import { decodeYolox, type ObjectDetection } from './yolox-decode.js';
import { checkPackedBgr } from './packed-bgr.js';

export const YOLOX_INPUT = 416;
const PAD_VALUE = 114;

/**
 * Default minimum score (objectness × class probability). Chosen on the evaluation set
 * (docs/analytics-evaluation.md): person precision rises to 1.000 at 0.6 (a sign post scores up to 0.56)
 * while recall stays at 0.984 from 0.2 to 0.6 and falls to 0.947 at 0.7; 0.55 sits inside that plateau.
 */
export const DEFAULT_OBJECT_SCORE = 0.55;
/** YOLOX's own demo NMS threshold. */
export const DEFAULT_OBJECT_NMS = 0.45;

export interface ObjectDetectorOptions {
  threads?: number;
  scoreThreshold?: number;
  nmsThreshold?: number;
}

/** The size a frame is scaled to before detection, and the factor back to source pixels. */
export interface ObjectInputSize {
  width: number;
  height: number;
  scale: number;
  sourceWidth: number;
  sourceHeight: number;
}

export function objectInputSize(sourceWidth: number, sourceHeight: number): ObjectInputSize {
  if (!(sourceWidth > 0 && sourceHeight > 0))
    throw new RangeError(`bad frame size ${sourceWidth}x${sourceHeight}`);
  const r = YOLOX_INPUT / Math.max(sourceWidth, sourceHeight);
  // Even sizes, so that FFmpeg scales yuv420p without rounding; never past the input.
  const even = (v: number) => Math.min(YOLOX_INPUT, Math.max(2, Math.round((v * r) / 2) * 2));
  const width = even(sourceWidth);
  const height = even(sourceHeight);
  return {
    width,
    height,
    scale: Math.min(width / sourceWidth, height / sourceHeight),
    sourceWidth,
    sourceHeight,
  };
}

export class ObjectDetector {
  private readonly tensorData = new Float32Array(3 * YOLOX_INPUT * YOLOX_INPUT).fill(PAD_VALUE);
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly scoreThreshold: number,
    readonly nmsThreshold: number,
  ) {}

  static async create(options: ObjectDetectorOptions = {}): Promise<ObjectDetector> {
    const scoreThreshold = options.scoreThreshold ?? DEFAULT_OBJECT_SCORE;
    if (!(scoreThreshold > 0 && scoreThreshold <= 1)) {
      throw new KadrError(
        'KADR_ERR_CONFIG',
        `object score threshold must be in (0, 1], got ${scoreThreshold}`,
      );
    }
    const session = await openOnnxSession(modelPath(OBJECT_DETECTOR_MODEL), {
      threads: options.threads ?? 1,
    });
    return new ObjectDetector(session, scoreThreshold, options.nmsThreshold ?? DEFAULT_OBJECT_NMS);
  }

  sizeFor(width: number, height: number): ObjectInputSize {
    return objectInputSize(width, height);
  }

  /** Objects in a packed BGR picture (`bgr24`, rows without padding) of any size, in its pixels. */
  async detect(bgr: Buffer, width: number, height: number): Promise<ObjectDetection[]> {
    checkPackedBgr(bgr, width, height);
    const size = this.sizeFor(width, height);
    return this.detectPlanar(bgrToPlanarBgr(bgr, width, height, size.width, size.height), size);
  }

  /** Objects in a picture already at `size.width`×`size.height`, in source pixels. */
  detectPlanar(picture: PlanarBgr, size: ObjectInputSize): Promise<ObjectDetection[]> {
    // One input tensor is reused, so calls run one after another.
    const run = this.queue.then(() => this.run(picture, size));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async run(p: PlanarBgr, size: ObjectInputSize): Promise<ObjectDetection[]> {
    if (p.width !== size.width || p.height !== size.height) {
      throw new RangeError(
        `picture ${p.width}x${p.height} is not the detection size ${size.width}x${size.height}`,
      );
    }
    const W = YOLOX_INPUT;
    const plane = W * W;
    // The padding right and below keeps the 114 it was filled with: every picture of one size writes the
    // same area.
    [p.b, p.g, p.r].forEach((src, c) => {
      for (let y = 0; y < p.height; y++) {
        this.tensorData.set(src.subarray(y * p.stride, y * p.stride + p.width), c * plane + y * W);
      }
    });
    if (p.width < W || p.height < W) this.repad(p.width, p.height);
    const images = new ort.Tensor('float32', this.tensorData, [1, 3, W, W]);
    const out = await this.session.run({ images });
    const output = out.output!.data as Float32Array;
    const found = decodeYolox(output, {
      inputSize: W,
      scoreThreshold: this.scoreThreshold,
      nmsThreshold: this.nmsThreshold,
      scale: size.scale,
      sourceWidth: size.sourceWidth,
      sourceHeight: size.sourceHeight,
    });
    for (const t of Object.values(out)) t.dispose();
    return found;
  }

  /** Refills the padding, in case an earlier picture of another size wrote there. */
  private padded = '';
  private repad(width: number, height: number): void {
    const key = `${width}x${height}`;
    if (this.padded === key) return;
    const W = YOLOX_INPUT;
    for (let c = 0; c < 3; c++) {
      const base = c * W * W;
      for (let y = 0; y < W; y++) {
        const from = y < height ? width : 0;
        this.tensorData.fill(PAD_VALUE, base + y * W + from, base + (y + 1) * W);
      }
    }
    this.padded = key;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
