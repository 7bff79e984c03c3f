import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countTrunSamples, Fmp4BoxSplitter, type Fmp4Piece } from './fmp4-boxes.js';

function box(type: string, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + payload.length);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, payload]);
}
function trun(samples: number): Buffer {
  const p = Buffer.alloc(8);
  p.writeUInt32BE(0x000301, 0); // version 0, flags
  p.writeUInt32BE(samples, 4);
  return box('trun', p);
}
const moof = (samples: number) =>
  box(
    'moof',
    Buffer.concat([
      box('mfhd', Buffer.alloc(8)),
      box('traf', Buffer.concat([box('tfhd', Buffer.alloc(8)), trun(samples)])),
    ]),
  );

test('splits an fMP4 byte stream into init, fragments and trailer, whatever the chunking', () => {
  const init = Buffer.concat([box('ftyp', Buffer.from('isom')), box('moov', Buffer.alloc(40))]);
  const frag1 = Buffer.concat([box('prft', Buffer.alloc(20)), moof(3), box('mdat', Buffer.alloc(1000, 1))]);
  const frag2 = Buffer.concat([moof(5), box('mdat', Buffer.alloc(77, 2))]);
  const trailer = box('mfra', Buffer.alloc(16));
  const all = Buffer.concat([init, frag1, frag2, trailer]);
  for (const chunk of [1, 7, 64, 5000]) {
    const pieces: Fmp4Piece[] = [];
    const s = new Fmp4BoxSplitter((p) => pieces.push(p));
    for (let i = 0; i < all.length; i += chunk) s.push(all.subarray(i, i + chunk));
    assert.deepEqual(
      pieces.map((p) => [p.kind, p.bytes.length, p.samples]),
      [
        ['init', init.length, 0],
        ['fragment', frag1.length, 3],
        ['fragment', frag2.length, 5],
        ['trailer', trailer.length, 0],
      ],
      `chunks of ${chunk}`,
    );
    assert.deepEqual(Buffer.concat(pieces.map((p) => p.bytes)), all);
    assert.equal(s.pendingBytes, 0);
  }
});

test('a fragment is not handed on before its mdat is complete', () => {
  const pieces: Fmp4Piece[] = [];
  const s = new Fmp4BoxSplitter((p) => pieces.push(p));
  const frag = Buffer.concat([moof(2), box('mdat', Buffer.alloc(100))]);
  s.push(frag.subarray(0, frag.length - 1));
  assert.equal(pieces.length, 0);
  s.push(frag.subarray(frag.length - 1));
  assert.equal(pieces.length, 1);
});

test('counts samples over several traf/trun boxes', () => {
  const m = box(
    'moof',
    Buffer.concat([box('traf', Buffer.concat([trun(4), trun(6)])), box('traf', trun(1))]),
  );
  assert.equal(countTrunSamples(m), 11);
});
