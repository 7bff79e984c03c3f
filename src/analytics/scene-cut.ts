/**
 * Hard cuts between shots: a track must end at a cut, since the face at the same place after it can be
 * someone else (a video made of still photos puts one person's face exactly where the last one's was).
 *
 * Each frame is reduced to a grid of mean brightness per block (16×9 blocks, luma from B, G and R), and
 * a cut is where the mean absolute difference between the grids of two consecutive frames is over
 * `threshold` (0…255). People moving, heads turning and camera noise change a few blocks a little; a
 * cut changes nearly all of them. The threshold is chosen from measurements (docs/analytics-evaluation.md):
 * consecutive frames of the evaluation set's clips differ by at most 10.3 (someone walking right past the
 * camera), a cut between two of the portrait photos in test/fixtures/faces by 30.8 or more.
 */
import type { PlanarBgr } from './face-detector.js';

export const GRID_COLS = 16;
export const GRID_ROWS = 9;
export const DEFAULT_CUT_THRESHOLD = 18;

/** Mean luma (0.114 B + 0.587 G + 0.299 R) of each block of a GRID_COLS × GRID_ROWS grid, row-major. */
export function brightnessGrid(p: PlanarBgr): Float32Array {
  const grid = new Float32Array(GRID_COLS * GRID_ROWS);
  const counts = new Uint32Array(grid.length);
  // About 240 samples per row and as many rows are enough for block means and keep this well under a
  // millisecond whatever the picture size.
  const step = Math.max(1, Math.floor(Math.max(p.width, p.height) / 240));
  for (let y = 0; y < p.height; y += step) {
    const row = Math.min(GRID_ROWS - 1, Math.floor((y * GRID_ROWS) / p.height)) * GRID_COLS;
    const base = y * p.stride;
    for (let x = 0; x < p.width; x += step) {
      const cell = row + Math.min(GRID_COLS - 1, Math.floor((x * GRID_COLS) / p.width));
      grid[cell]! += 0.114 * p.b[base + x]! + 0.587 * p.g[base + x]! + 0.299 * p.r[base + x]!;
      counts[cell]!++;
    }
  }
  for (let i = 0; i < grid.length; i++) grid[i]! /= Math.max(1, counts[i]!);
  return grid;
}

export function gridDifference(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

export class SceneCutDetector {
  private last: Float32Array | undefined;
  /** Difference of the last frame to the one before (for measurements). */
  lastDifference = 0;

  constructor(readonly threshold = DEFAULT_CUT_THRESHOLD) {}

  /** Whether `picture` starts a new shot (the first frame does not). */
  update(picture: PlanarBgr): boolean {
    const grid = brightnessGrid(picture);
    const prev = this.last;
    this.last = grid;
    if (!prev) return false;
    this.lastDifference = gridDifference(prev, grid);
    return this.lastDifference > this.threshold;
  }
}
