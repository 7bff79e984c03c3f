/**
 * Which received pictures decode exactly and which do not, after packet loss: a unit is damaged when
 * part of its own data was lost, or when it is predicted (directly or through others) from a picture
 * that was damaged or lost whole. The damage ends at the next keyframe that arrived complete: an IDR
 * (H.264, and H.265 IDR) refers to nothing before it. Non-reference pictures (H.264 nal_ref_idc 0)
 * that lose data are damaged themselves but pass nothing on.
 */
import type { AccessUnit } from './access-unit.js';

export interface UnitDamage {
  /** Part of this unit's own data was lost. */
  incomplete: boolean;
  /** It will not decode exactly: incomplete, or predicted from a damaged or missing picture. */
  damaged: boolean;
}

export class DamageTracker {
  /** A reference picture was damaged or lost since the last intact keyframe. */
  private broken = false;

  /** Call once per unit, in decode (arrival) order. */
  unit(au: Pick<AccessUnit, 'key' | 'damaged' | 'gapBefore' | 'reference'>): UnitDamage {
    if (au.key && !au.damaged) this.broken = false;
    // Packets lost between units: a whole picture, a reference perhaps, may be missing.
    else if (au.gapBefore) this.broken = true;
    const damaged = au.damaged || this.broken;
    if (au.damaged && au.reference) this.broken = true;
    return { incomplete: au.damaged, damaged };
  }

  /** Frames from now on are damaged until an intact keyframe comes. */
  get damaging(): boolean {
    return this.broken;
  }
}
