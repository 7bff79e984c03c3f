/**
 * The synthetic test picture (synthetic-video.ts: frame number as the identity pattern and as digits)
 * as a JPEG, made in-process: what `kadr push --pattern` sends, so that whoever reads the recording
 * back can tell every frame by its picture.
 */
import { AV_PIX_FMT_YUV420P } from 'node-av/constants';
import { Frame } from 'node-av/lib';
import { encodeImage } from './image.js';
import { syntheticPicture } from './synthetic-video.js';

export function patternJpeg(size: { width: number; height: number }, n: number, ptsMs: number): Buffer {
  const frame = Frame.fromVideoBuffer(syntheticPicture({ ...size, hue: 20 }, n, ptsMs), {
    width: size.width,
    height: size.height,
    format: AV_PIX_FMT_YUV420P,
    timeBase: { num: 1, den: 1000 },
    pts: BigInt(Math.round(ptsMs)),
  });
  try {
    return encodeImage(frame, 'jpeg', 4);
  } finally {
    frame.free();
  }
}
