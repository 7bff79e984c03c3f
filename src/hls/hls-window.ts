/**
 * The segments and partial segments of one LL-HLS media playlist (RFC 8216bis §4.4.4.9, §6.2.2), in
 * memory: a window of the last few segments, the one in progress growing part by part. Segments start
 * at keyframes: a new one begins with the first part that starts with a keyframe once the current one
 * holds at least the segment target, so segments follow the camera's GOP (1 s with a 1 s GOP or two
 * of 0.5 s; 4 s with a 4 s GOP). Parts are listed for the last segments only (§6.2.2: a server SHOULD
 * drop them from the playlist once they are more than three target durations from its end), and their
 * bytes are dropped with them; a complete segment keeps its own bytes until it leaves the window.
 */

export interface HlsPart {
  /** Counts every part of the muxer from 0: the part's URI, known before its segment is (preload hint). */
  id: number;
  durationS: number;
  /** Starts with a keyframe (INDEPENDENT=YES). */
  independent: boolean;
  /** Dropped (null) once the part is no longer listed. */
  bytes: Buffer | null;
}

export interface HlsSegment {
  msn: number;
  /** The init section its fragments need (EXT-X-MAP). */
  initId: number;
  /** The source's wallclock of its first frame (EXT-X-PROGRAM-DATE-TIME). */
  startWallMs: number;
  /** The camera reconnected before it (EXT-X-DISCONTINUITY). */
  discontinuity: boolean;
  parts: HlsPart[];
  durationS: number;
  complete: boolean;
  /** The whole segment, once complete. */
  bytes: Buffer | null;
}

export interface HlsWindowOptions {
  /** Complete segments kept. */
  segmentCount: number;
  segmentTargetS: number;
  partTargetS: number;
}

export class HlsWindow {
  readonly segments: HlsSegment[] = [];
  readonly inits = new Map<number, Buffer>();
  nextPartId = 0;
  private nextMsn = 0;
  private initId = 0;
  /** Discontinuities of the segments that left the window (EXT-X-DISCONTINUITY-SEQUENCE). */
  discontinuitySequence = 0;
  /** Never decreases: a player sizes its reloads by it (§4.4.3.1: it MUST NOT change). */
  targetDurationS = 1;
  partTargetS: number;
  private discontinuityNext = false;

  constructor(private readonly options: HlsWindowOptions) {
    this.partTargetS = options.partTargetS;
  }

  /** A new init section (first connection, or new parameter sets after a reconnect). */
  setInit(bytes: Buffer): void {
    const current = this.inits.get(this.initId);
    if (current && current.equals(bytes)) return;
    this.initId++;
    this.inits.set(this.initId, bytes);
  }

  /** The camera's connection broke: the segment in progress ends, the next one follows a discontinuity. */
  gap(): void {
    const cur = this.current;
    if (cur && cur.parts.length > 0) this.complete(cur);
    this.discontinuityNext = true;
  }

  addPart(bytes: Buffer, durationS: number, independent: boolean, wallMs: number): HlsPart {
    let cur = this.current;
    const startNew =
      !cur ||
      (independent && (this.discontinuityNext || cur.durationS + 1e-3 >= this.options.segmentTargetS)) ||
      cur.initId !== this.initId;
    if (startNew) {
      if (cur) this.complete(cur);
      cur = {
        msn: this.nextMsn++,
        initId: this.initId,
        startWallMs: wallMs,
        discontinuity: this.discontinuityNext,
        parts: [],
        durationS: 0,
        complete: false,
        bytes: null,
      };
      this.discontinuityNext = false;
      this.segments.push(cur);
    }
    const part: HlsPart = { id: this.nextPartId++, durationS, independent, bytes };
    cur!.parts.push(part);
    cur!.durationS += durationS;
    // Parts are cut on frame boundaries: at a frame rate that does not divide the target they run a
    // little longer, and PART-TARGET must be at least every part's duration (§4.4.3.7).
    if (durationS > this.partTargetS) this.partTargetS = Math.ceil(durationS * 1000) / 1000;
    return part;
  }

  /** The segment being filled, if any. */
  get current(): HlsSegment | undefined {
    const last = this.segments[this.segments.length - 1];
    return last && !last.complete ? last : undefined;
  }

  get lastComplete(): HlsSegment | undefined {
    for (let i = this.segments.length - 1; i >= 0; i--)
      if (this.segments[i]!.complete) return this.segments[i];
    return undefined;
  }

  /** Whether the segments listed so far hold part `part` of segment `msn`, or anything after it. */
  has(msn: number, part: number | undefined): boolean {
    const last = this.segments[this.segments.length - 1];
    if (!last) return false;
    if (part === undefined) return (this.lastComplete?.msn ?? -1) >= msn;
    if (last.msn > msn) return true;
    if (last.msn < msn) return false;
    return last.parts.length > part;
  }

  /** Whether the parts of this segment are listed (and their bytes kept). */
  listsParts(segment: HlsSegment): boolean {
    return segment.parts.length > 0 && segment.parts[0]!.bytes !== null;
  }

  findPart(id: number): HlsPart | undefined {
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const seg = this.segments[i]!;
      const first = seg.parts[0];
      if (first && first.id <= id) return seg.parts[id - first.id];
    }
    return undefined;
  }

  findSegment(msn: number): HlsSegment | undefined {
    const first = this.segments[0];
    return first ? this.segments[msn - first.msn] : undefined;
  }

  private complete(seg: HlsSegment): void {
    seg.complete = true;
    seg.bytes = Buffer.concat(seg.parts.map((p) => p.bytes!));
    this.targetDurationS = Math.max(this.targetDurationS, Math.round(seg.durationS));
    const complete = this.segments.filter((s) => s.complete).length;
    for (let n = complete; n > this.options.segmentCount; n--) {
      const gone = this.segments.shift()!;
      if (gone.discontinuity) this.discontinuitySequence++;
    }
    const used = new Set(this.segments.map((s) => s.initId));
    for (const id of this.inits.keys()) if (!used.has(id) && id !== this.initId) this.inits.delete(id);
    // Parts more than three target durations from the end leave the playlist (and memory).
    let fromEnd = 0;
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const s = this.segments[i]!;
      if (fromEnd > 3 * this.targetDurationS) for (const p of s.parts) p.bytes = null;
      fromEnd += s.durationS;
    }
  }
}
