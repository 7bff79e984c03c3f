/**
 * Frames to image files: PNG (lossless, so a test can read the frame-number pattern back exactly) and
 * JPEG, plus the labelled side-by-side picture of two frames.
 *
 * JPEG goes through `scale=out_range=full,format=yuvj420p` and the mjpeg encoder with a fixed qscale,
 * not node-av's Scaler.toJpeg: that one writes limited-range samples labelled as full range, so blacks
 * come out grey (docs/media-pitfalls.md, "`Scaler.toJpeg()` writes limited range labelled as full").
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EncoderPool, FilterAPI, FilterComplexAPI } from 'node-av/api';
import { AV_CODEC_FLAG_QSCALE, FF_ENCODER_MJPEG, FF_ENCODER_PNG, FF_QP2LAMBDA } from 'node-av/constants';
import type { Frame } from 'node-av/lib';
import { KadrError } from '../core/errors.js';

export type ImageFormat = 'png' | 'jpeg';

const fontFile = fileURLToPath(new URL('../../assets/fonts/DejaVuSansMono-Bold.ttf', import.meta.url));

let jpegPool: EncoderPool<typeof FF_ENCODER_MJPEG> | undefined;
let pngPool: EncoderPool<typeof FF_ENCODER_PNG> | undefined;

export function imageFormatFor(file: string): ImageFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.png') return 'png';
  if (ext === '.jpg' || ext === '.jpeg') return 'jpeg';
  throw new KadrError('KADR_ERR_OUTPUT_FORMAT', `cannot tell the image format of ${file}`, {
    hint: 'name the output .png or .jpg',
  });
}

function filterOne(description: string, frame: Frame): Frame {
  const filter = FilterAPI.create(description);
  try {
    const [out] = filter.processAllSync(frame);
    if (!out) throw new KadrError('KADR_ERR_INTERNAL', `filter '${description}' produced no frame`);
    return out;
  } finally {
    filter.close();
  }
}

export function encodeImage(frame: Frame, format: ImageFormat, jpegQscale = 3): Buffer {
  if (format === 'jpeg') {
    jpegPool ??= new EncoderPool(FF_ENCODER_MJPEG, { flags: AV_CODEC_FLAG_QSCALE });
    const full = filterOne('scale=out_range=full,format=yuvj420p', frame);
    try {
      full.quality = jpegQscale * FF_QP2LAMBDA;
      return jpegPool.encodeSync(full);
    } finally {
      full.free();
    }
  }
  pngPool ??= new EncoderPool(FF_ENCODER_PNG);
  const rgb = filterOne('format=rgb24', frame);
  try {
    return pngPool.encodeSync(rgb);
  } finally {
    rgb.free();
  }
}

export function writeImage(frame: Frame, file: string): void {
  const bytes = encodeImage(frame, imageFormatFor(file));
  try {
    writeFileSync(file, bytes);
  } catch (error) {
    throw new KadrError('KADR_ERR_OUTPUT_WRITE', `cannot write ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Quotes a value for a filtergraph option: inside '...' only the quote itself needs care. */
function quoteFilterValue(value: string): string {
  return `'${value.replace(/'/g, "'\\''")}'`;
}

export interface CaptionedFrame {
  frame: Frame;
  caption: string;
}

/**
 * Two frames next to each other, each with a caption bar above it (the bar never covers picture),
 * and, when `footer` is given, a bar below both with that line centred (a comparison's verdict).
 * The right frame is scaled to the left one's height, keeping its aspect ratio.
 */
export function sideBySide(left: CaptionedFrame, right: CaptionedFrame, footer?: string): Frame {
  const height = left.frame.height;
  const fontSize = Math.max(12, Math.min(28, Math.round(height / 22)));
  const bar = Math.round(fontSize * 1.8);
  // Captions go through textfile= with expansion off: file names may hold ':', '%' or quotes.
  const dir = mkdtempSync(path.join(tmpdir(), 'kadr-caption-'));
  try {
    const label = (name: string, text: string, input: string, out: string) => {
      const textFile = path.join(dir, `${name}.txt`);
      writeFileSync(textFile, text);
      return (
        `[${input}]scale=-2:${height},format=yuv420p,pad=iw:ih+${bar}:0:${bar}:black,` +
        `drawtext=fontfile=${quoteFilterValue(fontFile)}:textfile=${quoteFilterValue(textFile)}:expansion=none:` +
        `fontsize=${fontSize}:fontcolor=white:x=8:y=(${bar}-th)/2[${out}]`
      );
    };
    const footerFile = path.join(dir, 'footer.txt');
    if (footer !== undefined) writeFileSync(footerFile, footer);
    const graph = [
      label('a', left.caption, 'a', 'la'),
      label('b', right.caption, 'b', 'lb'),
      footer === undefined
        ? '[la][lb]hstack=inputs=2[out]'
        : '[la][lb]hstack=inputs=2[both];' +
          `[both]pad=iw:ih+${bar}:0:0:black,` +
          `drawtext=fontfile=${quoteFilterValue(fontFile)}:textfile=${quoteFilterValue(footerFile)}:expansion=none:` +
          `fontsize=${fontSize}:fontcolor=white:x=(w-tw)/2:y=h-${bar}+(${bar}-th)/2[out]`,
    ].join(';');
    const fc = FilterComplexAPI.create(graph, {
      inputs: [{ label: 'a' }, { label: 'b' }],
      outputs: [{ label: 'out' }],
    });
    // hstack pairs frames by timestamp; give both the same one so exactly one picture comes out.
    const a = left.frame.clone();
    const b = right.frame.clone();
    try {
      if (!a || !b) throw new KadrError('KADR_ERR_INTERNAL', 'cannot copy frames for side-by-side');
      a.pts = 0n;
      b.pts = 0n;
      b.timeBase = a.timeBase;
      fc.processSync('a', a);
      fc.processSync('b', b);
      fc.flushSync();
      for (const out of fc.flushFramesSync('out')) return out;
      throw new KadrError('KADR_ERR_INTERNAL', 'side-by-side filter produced no picture');
    } finally {
      a?.free();
      b?.free();
      fc.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
