/**
 * The frame-identity pattern kadr burns into generated video (the demo, benches) and that the test
 * fixtures draw with ffmpeg's geq filter: the frame number as 16 black/white cells across the top band,
 * with the same bits inverted in the band below. A reader compares each top cell with the cell under it,
 * which survives lossy coding and scaling. Layout (fractions of the picture): cells are width/16 wide and
 * height/9 tall; band 1 is rows [0, h/9), band 2 rows [h/9, 2h/9).
 */
export const PATTERN_BITS = 16;

/** Reads the frame number from a luma plane (8-bit, any stride). */
export function readPatternNumber(luma: Uint8Array, stride: number, width: number, height: number): number {
  const cellW = width / PATTERN_BITS;
  const cellH = height / 9;
  let n = 0;
  for (let b = 0; b < PATTERN_BITS; b++) {
    let top = 0;
    let bottom = 0;
    // Sample the middle half of each cell: edges blur under lossy coding and chroma subsampling.
    for (let fy = 0.25; fy < 0.75; fy += 0.125) {
      for (let fx = 0.25; fx < 0.75; fx += 0.125) {
        const x = Math.floor((b + fx) * cellW);
        top += luma[Math.floor(fy * cellH) * stride + x] ?? 0;
        bottom += luma[Math.floor((1 + fy) * cellH) * stride + x] ?? 0;
      }
    }
    n = (n << 1) | (top > bottom ? 1 : 0);
  }
  return n;
}

/** Draws the pattern for frame `n` into a luma plane. */
export function drawPatternNumber(
  luma: Uint8Array,
  stride: number,
  width: number,
  height: number,
  n: number,
): void {
  const cellH = Math.floor(height / 9);
  for (let b = 0; b < PATTERN_BITS; b++) {
    const bit = (n >> (PATTERN_BITS - 1 - b)) & 1;
    const x0 = Math.floor((b * width) / PATTERN_BITS);
    const x1 = Math.floor(((b + 1) * width) / PATTERN_BITS);
    for (let y = 0; y < cellH; y++) {
      luma.fill(bit ? 235 : 16, y * stride + x0, y * stride + x1);
      luma.fill(bit ? 16 : 235, (y + cellH) * stride + x0, (y + cellH) * stride + x1);
    }
  }
}

/** ffmpeg `geq` luma expression drawing the same pattern (used by the test-fixture recipes). */
export const PATTERN_GEQ_LUMA =
  'if(lt(Y,H/9),if(bitand(N,pow(2,15-floor(X*16/W))),235,16),if(lt(Y,2*H/9),if(bitand(N,pow(2,15-floor(X*16/W))),16,235),lum(X,Y)))';

// Seven-segment digits so a person can read the frame number on generated pictures without a font.
const SEGMENTS = ['abcdef', 'bc', 'abdeg', 'abcdg', 'bcfg', 'acdfg', 'acdefg', 'abc', 'abcdefg', 'abcdfg'];

export function drawDigits(
  luma: Uint8Array,
  stride: number,
  x0: number,
  y0: number,
  text: string,
  digitW: number,
  digitH: number,
): void {
  const t = Math.max(2, Math.round(digitW / 5));
  const box = (x: number, y: number, w: number, h: number) => {
    for (let yy = y; yy < y + h; yy++) luma.fill(235, yy * stride + x, yy * stride + x + w);
  };
  let x = x0;
  for (const ch of text) {
    const seg = SEGMENTS[Number(ch)];
    if (seg !== undefined) {
      const half = Math.floor(digitH / 2);
      if (seg.includes('a')) box(x, y0, digitW, t);
      if (seg.includes('g')) box(x, y0 + half - Math.floor(t / 2), digitW, t);
      if (seg.includes('d')) box(x, y0 + digitH - t, digitW, t);
      if (seg.includes('f')) box(x, y0, t, half);
      if (seg.includes('b')) box(x + digitW - t, y0, t, half);
      if (seg.includes('e')) box(x, y0 + half, t, digitH - half);
      if (seg.includes('c')) box(x + digitW - t, y0 + half, t, digitH - half);
    }
    x += Math.round(digitW * 1.35);
  }
}
