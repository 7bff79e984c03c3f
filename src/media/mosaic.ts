/**
 * Several frames in one picture: a grid (as square as it goes) of equal cells, each frame scaled to fit
 * its cell with its aspect ratio kept, a caption bar above it. Built like sideBySide (image.ts): one
 * FFmpeg filtergraph, captions through textfile= with expansion off.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FilterComplexAPI } from 'node-av/api';
import type { Frame } from 'node-av/lib';
import { KadrError } from '../core/errors.js';
import type { CaptionedFrame } from './image.js';

const fontFile = fileURLToPath(new URL('../../assets/fonts/DejaVuSansMono-Bold.ttf', import.meta.url));

function quote(value: string): string {
  return `'${value.replace(/'/g, "'\\''")}'`;
}

/** The cell size: the first frame's, at most `maxCellHeight` tall, even sides. */
export function mosaic(frames: CaptionedFrame[], maxCellHeight = 360): Frame {
  if (frames.length === 0) throw new KadrError('KADR_ERR_INTERNAL', 'a mosaic of no frames');
  const first = frames[0]!.frame;
  const cellH = Math.min(maxCellHeight, first.height) & ~1;
  const cellW = Math.round((first.width * cellH) / first.height) & ~1;
  const cols = Math.ceil(Math.sqrt(frames.length));
  const rows = Math.ceil(frames.length / cols);
  const fontSize = Math.max(12, Math.min(24, Math.round(cellH / 18)));
  const bar = Math.round(fontSize * 1.8);
  const dir = mkdtempSync(path.join(tmpdir(), 'kadr-mosaic-'));
  try {
    const parts = frames.map(({ caption }, i) => {
      const textFile = path.join(dir, `${i}.txt`);
      writeFileSync(textFile, caption);
      return (
        `[in${i}]scale=${cellW}:${cellH}:force_original_aspect_ratio=decrease,format=yuv420p,` +
        `pad=${cellW}:${cellH + bar}:(ow-iw)/2:${bar}+(${cellH}-ih)/2:black,` +
        `drawtext=fontfile=${quote(fontFile)}:textfile=${quote(textFile)}:expansion=none:` +
        `fontsize=${fontSize}:fontcolor=white:x=8:y=(${bar}-th)/2[c${i}]`
      );
    });
    const layout = frames.map((_, i) => `${(i % cols) * cellW}_${Math.floor(i / cols) * (cellH + bar)}`);
    const stack =
      frames.length === 1
        ? '[c0]null[out]'
        : `${frames.map((_, i) => `[c${i}]`).join('')}xstack=inputs=${frames.length}:layout=${layout.join('|')}:fill=black,` +
          `pad=${cols * cellW}:${rows * (cellH + bar)}:0:0:black[out]`;
    const fc = FilterComplexAPI.create([...parts, stack].join(';'), {
      inputs: frames.map((_, i) => ({ label: `in${i}` })),
      outputs: [{ label: 'out' }],
    });
    // xstack pairs frames by timestamp: give all the same one so that exactly one picture comes out.
    const copies = frames.map(({ frame }) => frame.clone());
    try {
      copies.forEach((c, i) => {
        if (!c) throw new KadrError('KADR_ERR_INTERNAL', 'cannot copy a frame for the mosaic');
        c.pts = 0n;
        c.timeBase = first.timeBase;
        fc.processSync(`in${i}`, c);
      });
      fc.flushSync();
      for (const out of fc.flushFramesSync('out')) return out;
      throw new KadrError('KADR_ERR_INTERNAL', 'the mosaic filter produced no picture');
    } finally {
      for (const c of copies) c?.free();
      fc.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
