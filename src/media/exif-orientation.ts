/**
 * The EXIF Orientation tag (0x0112) of a photo, and the pixels turned the way it says. A phone stores
 * the sensor's rows as they came and tags how to turn them for display, so a portrait taken with the
 * phone upright is stored sideways with Orientation 6. Detecting faces on the stored pixels finds none
 * (they lie on their side); every viewer turns the picture first, and so does kadr.
 *
 * Where the tag lives:
 * - JPEG: an APP1 segment `Exif\0\0` followed by a TIFF structure (Exif 2.3, CIPA DC-008, 4.5.4);
 * - PNG: an `eXIf` chunk holding the TIFF structure alone (PNG 3rd edition / Extensions 1.5.0).
 * TIFF: a byte order `II` (little endian) or `MM`, the number 42, the offset of IFD0; IFD0 is a count
 * and 12-byte entries (tag, type, count, value); Orientation is one SHORT (type 3) in the value field.
 *
 *   value  stored picture → displayed      value  stored picture → displayed
 *   1      as stored                       5      transposed (mirrored along the main diagonal)
 *   2      mirrored left-right             6      turned 90° clockwise
 *   3      turned 180°                     7      transversed (mirrored along the other diagonal)
 *   4      mirrored top-bottom             8      turned 90° anticlockwise
 */

export type Orientation = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

/** The orientation in a JPEG's or PNG's EXIF data; 1 when there is none or it cannot be read. */
export function exifOrientation(bytes: Buffer): Orientation {
  const tiff = bytes[0] === 0xff && bytes[1] === 0xd8 ? jpegExif(bytes) : pngExif(bytes);
  return tiff ? tiffOrientation(tiff) : 1;
}

function jpegExif(bytes: Buffer): Buffer | null {
  let at = 2;
  while (at + 4 <= bytes.length && bytes[at] === 0xff) {
    const marker = bytes[at + 1]!;
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2; // markers without a length
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return null; // the picture data starts: no EXIF before it
    const length = bytes.readUInt16BE(at + 2);
    const body = bytes.subarray(at + 4, at + 2 + length);
    if (marker === 0xe1 && body.subarray(0, 6).equals(EXIF_HEADER)) return body.subarray(6);
    at += 2 + length;
  }
  return null;
}

const EXIF_HEADER = Buffer.from('Exif\0\0', 'latin1');
const PNG_SIGNATURE_LENGTH = 8;

function pngExif(bytes: Buffer): Buffer | null {
  let at = PNG_SIGNATURE_LENGTH;
  while (at + 12 <= bytes.length) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    if (type === 'eXIf') return bytes.subarray(at + 8, at + 8 + length);
    if (type === 'IDAT' || type === 'IEND') return null; // eXIf must come before the image data
    at += 12 + length;
  }
  return null;
}

function tiffOrientation(tiff: Buffer): Orientation {
  if (tiff.length < 8) return 1;
  const order = tiff.toString('latin1', 0, 2);
  if (order !== 'II' && order !== 'MM') return 1;
  const le = order === 'II';
  const u16 = (at: number) => (le ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number) => (le ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  if (u16(2) !== 42) return 1;
  const ifd = u32(4);
  if (ifd + 2 > tiff.length) return 1;
  const count = u16(ifd);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > tiff.length) return 1;
    if (u16(entry) !== 0x0112) continue;
    if (u16(entry + 2) !== 3) return 1; // not a SHORT: not a tag anyone wrote on purpose
    const value = u16(entry + 8);
    return value >= 1 && value <= 8 ? (value as Orientation) : 1;
  }
  return 1;
}

/**
 * Packed pixels (`channels` bytes each, rows without padding) turned the way `orientation` says, and
 * the displayed size (5–8 swap width and height).
 */
export function orientPixels(
  pixels: Buffer,
  width: number,
  height: number,
  orientation: Orientation,
  channels = 3,
): { pixels: Buffer; width: number; height: number } {
  if (orientation === 1) return { pixels, width, height };
  const swap = orientation >= 5;
  const dw = swap ? height : width;
  const dh = swap ? width : height;
  const out = Buffer.alloc(pixels.length);
  // For each displayed pixel (dx, dy), the stored pixel (sx, sy) it shows.
  const source: (dx: number, dy: number) => number = {
    2: (dx: number, dy: number) => dy * width + (width - 1 - dx),
    3: (dx: number, dy: number) => (height - 1 - dy) * width + (width - 1 - dx),
    4: (dx: number, dy: number) => (height - 1 - dy) * width + dx,
    5: (dx: number, dy: number) => dx * width + dy,
    6: (dx: number, dy: number) => (height - 1 - dx) * width + dy,
    7: (dx: number, dy: number) => (height - 1 - dx) * width + (width - 1 - dy),
    8: (dx: number, dy: number) => dx * width + (width - 1 - dy),
  }[orientation];
  // Along a displayed row the stored pixel moves by a fixed step: one multiply per row, not per pixel.
  let o = 0;
  for (let dy = 0; dy < dh; dy++) {
    let from = source(0, dy) * channels;
    const step = (dw > 1 ? source(1, dy) - source(0, dy) : 0) * channels;
    for (let dx = 0; dx < dw; dx++, from += step) {
      for (let c = 0; c < channels; c++) out[o++] = pixels[from + c]!;
    }
  }
  return { pixels: out, width: dw, height: dh };
}
