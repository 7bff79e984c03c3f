import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mediaPlaylist, multivariantPlaylist } from './hls-playlist.js';
import { HlsWindow } from './hls-window.js';

const options = { segmentCount: 3, segmentTargetS: 1, partTargetS: 0.2 };
const bytes = () => Buffer.from('part');

/** Feeds parts of 0.2 s; a keyframe every `gopParts` parts. */
function feed(w: HlsWindow, parts: number, gopParts: number, startMs = 1_000_000): void {
  for (let i = 0; i < parts; i++) w.addPart(bytes(), 0.2, i % gopParts === 0, startMs + i * 200);
}

test('segments start at keyframes: a 1 s GOP gives 1 s segments, a 2 s GOP 2 s and a target of 2', () => {
  const one = new HlsWindow(options);
  one.setInit(Buffer.from('init'));
  feed(one, 16, 5);
  assert.deepEqual(
    one.segments.map((s) => [s.parts.length, s.complete]),
    [
      [5, true],
      [5, true],
      [5, true],
      [1, false],
    ],
  );
  assert.equal(one.targetDurationS, 1);
  const two = new HlsWindow(options);
  two.setInit(Buffer.from('init'));
  feed(two, 21, 10);
  assert.ok(two.segments.filter((s) => s.complete).every((s) => s.parts.length === 10));
  assert.equal(two.targetDurationS, 2);
  // A half-second GOP: two GOPs make a segment of the 1 s target.
  const half = new HlsWindow(options);
  half.setInit(Buffer.from('init'));
  feed(half, 11, 2);
  assert.equal(half.segments[0]!.parts.length, 5 + 1, 'cut at the first keyframe at or past 1 s');
});

test('the window keeps the last segments; parts leave the playlist three target durations from its end', () => {
  const w = new HlsWindow(options);
  w.setInit(Buffer.from('init'));
  feed(w, 5 * 8 + 2, 5);
  const complete = w.segments.filter((s) => s.complete);
  assert.equal(complete.length, 3);
  assert.equal(w.segments[0]!.msn, 5);
  const text = mediaPlaylist(w, 'original');
  assert.match(text, /#EXT-X-MEDIA-SEQUENCE:5\n/);
  assert.equal(w.findPart(0), undefined, 'gone with its segment');
  assert.equal(w.findPart(w.nextPartId - 1)!.bytes!.toString(), 'part');
  assert.match(text, new RegExp(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="original/part${w.nextPartId}.m4s"\n$`));
  assert.equal((text.match(/#EXTINF:1.00000,/g) ?? []).length, 3);
  assert.equal((text.match(/#EXT-X-PROGRAM-DATE-TIME:/g) ?? []).length, 4);

  const seven = new HlsWindow({ ...options, segmentCount: 7 });
  seven.setInit(Buffer.from('init'));
  feed(seven, 5 * 8 + 2, 5);
  const listed = mediaPlaylist(seven, 'original');
  // The 2 parts in progress, then those of segments 7 to 4 (within 3 s of the end when segment 7
  // completed); 3 and older are listed as whole segments only.
  assert.equal((listed.match(/#EXT-X-PART:/g) ?? []).length, 2 + 4 * 5);
  assert.equal(seven.findPart(seven.segments[0]!.parts[0]!.id)!.bytes, null, 'their bytes are dropped too');
});

test('a gap ends the segment; the next one follows EXT-X-DISCONTINUITY, a new init gets its own EXT-X-MAP', () => {
  const w = new HlsWindow(options);
  w.setInit(Buffer.from('init-a'));
  feed(w, 3, 5);
  w.gap();
  w.setInit(Buffer.from('init-b'));
  feed(w, 6, 5, 2_000_000);
  const text = mediaPlaylist(w, 'original');
  assert.match(
    text,
    /#EXT-X-MAP:URI="original\/init-1.mp4"\n#EXT-X-PROGRAM-DATE-TIME:1970-01-01T00:16:40.000Z\n(#EXT-X-PART:[^\n]+\n){3}#EXTINF:0.60000,\noriginal\/seg0.m4s\n#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="original\/init-2.mp4"\n#EXT-X-PROGRAM-DATE-TIME:1970-01-01T00:33:20.000Z\n/,
  );
  assert.equal(w.inits.size, 2);
});

test('blocking reload: what the window holds, and PART-TARGET grows to the longest part', () => {
  const w = new HlsWindow(options);
  w.setInit(Buffer.from('init'));
  feed(w, 7, 5);
  assert.equal(w.has(0, undefined), true);
  assert.equal(w.has(1, undefined), false, 'segment 1 is in progress');
  assert.equal(w.has(1, 1), true);
  assert.equal(w.has(1, 2), false, 'its third part is not there yet');
  assert.equal(w.has(0, 9), true, 'a later part counts');
  w.addPart(bytes(), 0.25, false, 0);
  assert.equal(w.partTargetS, 0.25);
  assert.match(mediaPlaylist(w, 'q'), /#EXT-X-PART-INF:PART-TARGET=0.25000\n/);
});

test('the multivariant playlist names each quality with its resolution, codecs and peak bandwidth', () => {
  const text = multivariantPlaylist([
    { quality: 'original', bandwidth: 2_000_000.4, width: 1920, height: 1080, codecs: 'avc1.640028' },
    { quality: '480p', bandwidth: 600_000, width: 854, height: 480, codecs: 'avc1.64001E' },
  ]);
  assert.equal(
    text,
    [
      '#EXTM3U',
      '#EXT-X-VERSION:9',
      '#EXT-X-INDEPENDENT-SEGMENTS',
      '#EXT-X-STREAM-INF:BANDWIDTH=2000000,RESOLUTION=1920x1080,CODECS="avc1.640028"',
      'index.m3u8?quality=original',
      '#EXT-X-STREAM-INF:BANDWIDTH=600000,RESOLUTION=854x480,CODECS="avc1.64001E"',
      'index.m3u8?quality=480p',
      '',
    ].join('\n'),
  );
});
