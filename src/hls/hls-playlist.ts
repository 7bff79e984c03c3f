/**
 * The text of the playlists (RFC 8216bis §4.4): a media playlist of one quality with its partial
 * segments, preload hint and server control, and a multivariant playlist naming every quality.
 * URIs are relative to the playlist's own URL (…/hls/index.m3u8): `<quality>/seg<msn>.m4s`,
 * `<quality>/part<id>.m4s`, `<quality>/init-<n>.mp4`.
 */
import type { HlsWindow } from './hls-window.js';

/**
 * PART-HOLD-BACK in part targets: §4.4.3.8 asks for at least two and recommends three, the margin a
 * player keeps behind the live edge so that a part is there when it asks for it.
 */
export const PART_HOLD_BACK_PARTS = 3;

const seconds = (s: number) => s.toFixed(5);

export function mediaPlaylist(window: HlsWindow, quality: string): string {
  const q = encodeURIComponent(quality);
  const partTarget = window.partTargetS;
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:9',
    `#EXT-X-TARGETDURATION:${window.targetDurationS}`,
    `#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=${seconds(PART_HOLD_BACK_PARTS * partTarget)}`,
    `#EXT-X-PART-INF:PART-TARGET=${seconds(partTarget)}`,
    '#EXT-X-INDEPENDENT-SEGMENTS',
    `#EXT-X-MEDIA-SEQUENCE:${window.segments[0]?.msn ?? 0}`,
    `#EXT-X-DISCONTINUITY-SEQUENCE:${window.discontinuitySequence}`,
  ];
  let initId = -1;
  for (const seg of window.segments) {
    if (seg.discontinuity && initId !== -1) lines.push('#EXT-X-DISCONTINUITY');
    if (seg.initId !== initId) {
      lines.push(`#EXT-X-MAP:URI="${q}/init-${seg.initId}.mp4"`);
      initId = seg.initId;
    }
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(seg.startWallMs).toISOString()}`);
    if (window.listsParts(seg)) {
      for (const part of seg.parts) {
        const independent = part.independent ? ',INDEPENDENT=YES' : '';
        lines.push(
          `#EXT-X-PART:DURATION=${seconds(part.durationS)},URI="${q}/part${part.id}.m4s"${independent}`,
        );
      }
    }
    if (seg.complete) lines.push(`#EXTINF:${seconds(seg.durationS)},`, `${q}/seg${seg.msn}.m4s`);
  }
  lines.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="${q}/part${window.nextPartId}.m4s"`);
  return lines.join('\n') + '\n';
}

export interface HlsVariant {
  quality: string;
  /** Peak bits per second over the segments in the window. */
  bandwidth: number;
  width: number;
  height: number;
  /** RFC 6381 name (avc1.…, hvc1.…). */
  codecs: string;
}

export function multivariantPlaylist(variants: HlsVariant[]): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:9', '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const v of variants) {
    lines.push(
      `#EXT-X-STREAM-INF:BANDWIDTH=${Math.max(1, Math.round(v.bandwidth))},RESOLUTION=${v.width}x${v.height},CODECS="${v.codecs}"`,
      `index.m3u8?quality=${encodeURIComponent(v.quality)}`,
    );
  }
  return lines.join('\n') + '\n';
}
