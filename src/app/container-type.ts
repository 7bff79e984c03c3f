/**
 * The media type of an uploaded file, from its first bytes (the container's signature), so that
 * what is stored says what the file is rather than what the client guessed: browsers and curl send
 * `application/octet-stream` for any name they do not know. Containers only; what is inside them is
 * FFmpeg's business at analysis time.
 */

/** Bytes the sniffer wants to see (three MPEG-TS packets of 188 bytes plus a 4-byte M2TS prefix). */
export const SNIFF_BYTES = 3 * 192;

const ascii = (b: Buffer, at: number, length: number) => b.toString('latin1', at, at + length);

/** `null` when the bytes match no container we know. */
export function containerTypeOf(head: Buffer): string | null {
  // ISO BMFF (ISO/IEC 14496-12): a box size, then its type. QuickTime files have `ftypqt  ` or
  // (older ones) start straight with a moov, mdat, wide, free or skip atom.
  const box = ascii(head, 4, 4);
  if (box === 'ftyp') return ascii(head, 8, 4) === 'qt  ' ? 'video/quicktime' : 'video/mp4';
  if (['moov', 'mdat', 'wide', 'free', 'skip'].includes(box)) return 'video/quicktime';
  // EBML header (RFC 8794); its DocType element (0x4282) names Matroska or WebM.
  if (head.length >= 4 && head.readUInt32BE(0) === 0x1a45dfa3) {
    const docType = head.indexOf(Buffer.from([0x42, 0x82]));
    return docType > 0 && ascii(head, docType + 3, 4) === 'webm' ? 'video/webm' : 'video/x-matroska';
  }
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 4) === 'AVI ') return 'video/x-msvideo';
  if (ascii(head, 0, 3) === 'FLV') return 'video/x-flv';
  if (ascii(head, 0, 4) === 'OggS') return 'video/ogg';
  if (head.subarray(0, 8).equals(Buffer.from('3026b2758e66cf11', 'hex'))) return 'video/x-ms-asf';
  // MPEG-TS: a sync byte every 188 bytes (every 192 in M2TS, after a 4-byte timestamp).
  const syncEvery = (start: number, step: number) =>
    head.length >= start + 2 * step + 1 && [0, 1, 2].every((i) => head[start + i * step] === 0x47);
  if (syncEvery(0, 188) || syncEvery(4, 192)) return 'video/mp2t';
  // MPEG program stream: a pack header start code.
  if (head.length >= 4 && head.readUInt32BE(0) === 0x000001ba) return 'video/mpeg';
  return null;
}
