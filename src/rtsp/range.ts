/**
 * The Range header in Normal Play Time (RFC 2326 §3.6, §12.29): `npt=10.5-`, `npt=0-30`, `npt=now-`.
 * Other formats (smpte, clock) are answered with 457 Invalid Range by the server.
 */
export interface NptRange {
  startSec: number | undefined;
  endSec: number | undefined;
}

function nptTime(text: string): number | undefined {
  if (text === '' || text === 'now') return undefined;
  if (/^\d+(\.\d*)?$/.test(text)) return Number(text);
  const m = /^(\d+):(\d{1,2}):(\d{1,2}(?:\.\d*)?)$/.exec(text);
  if (m) return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
  return NaN;
}

/** undefined when the header is not an npt range kadr understands. */
export function parseNptRange(value: string): NptRange | undefined {
  const m = /^npt\s*=\s*([^-\s;]*)\s*-\s*([^;\s]*)/i.exec(value.trim());
  if (!m) return undefined;
  const startSec = nptTime(m[1]!);
  const endSec = nptTime(m[2]!);
  if (Number.isNaN(startSec) || Number.isNaN(endSec)) return undefined;
  if (startSec !== undefined && endSec !== undefined && endSec < startSec) return undefined;
  return { startSec, endSec };
}

/**
 * Seconds with microseconds, trailing zeros dropped down to milliseconds (`8.0189`, `1.500`). FFmpeg
 * reads npt into microseconds (av_parse_time keeps 6 decimals and ignores the rest) and rescales that,
 * rounding to nearest, to the stream's 90 kHz clock: a microsecond is 0.09 tick, so every tick comes
 * back exact, where milliseconds (90 ticks) put a frame at 8.0189 s on 8.019, 9 ticks late.
 */
function nptSeconds(sec: number): string {
  return sec.toFixed(6).replace(/(\.\d{3}\d*?)0+$/, '$1');
}

export function formatNptRange(startSec: number, endSec?: number): string {
  return `npt=${nptSeconds(startSec)}-${endSec === undefined ? '' : nptSeconds(endSec)}`;
}
