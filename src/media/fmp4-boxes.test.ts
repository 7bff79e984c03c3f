import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { countTrunSamples, Fmp4FileScanner, type Fmp4Piece } from './fmp4-boxes.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'kadr-fmp4-boxes-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
/** A file being appended to, and a scanner on it that runs after every append. */
function appendingFile(): {
  append(b: Buffer): void;
  pieces: Fmp4Piece[];
  scanner: Fmp4FileScanner;
  close(): void;
} {
  const fd = openSync(path.join(dir, `${files++}.mp4`), 'wx+');
  const pieces: Fmp4Piece[] = [];
  const scanner = new Fmp4FileScanner(fd, (p) => pieces.push(p));
  return {
    append(b) {
      writeSync(fd, b);
      scanner.scan();
    },
    pieces,
    scanner,
    close: () => closeSync(fd),
  };
}

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
    const f = appendingFile();
    for (let i = 0; i < all.length; i += chunk) f.append(all.subarray(i, i + chunk));
    const pieces = f.pieces;
    assert.deepEqual(
      pieces.map((p) => [p.kind, p.length, p.samples]),
      [
        ['init', init.length, 0],
        ['fragment', frag1.length, 3],
        ['fragment', frag2.length, 5],
        ['trailer', trailer.length, 0],
      ],
      `chunks of ${chunk}`,
    );
    // Contiguous ranges that cover the whole file.
    assert.deepEqual(
      pieces.map((p) => p.offset),
      [0, init.length, init.length + frag1.length, init.length + frag1.length + frag2.length],
    );
    assert.equal(f.scanner.pendingBytes, 0);
    f.close();
  }
});

test('a fragment is not handed on before its mdat is complete', () => {
  const f = appendingFile();
  const frag = Buffer.concat([moof(2), box('mdat', Buffer.alloc(100))]);
  f.append(frag.subarray(0, frag.length - 1));
  assert.equal(f.pieces.length, 0);
  f.append(frag.subarray(frag.length - 1));
  assert.deepEqual(f.pieces, [{ kind: 'fragment', offset: 0, length: frag.length, samples: 2 }]);
  f.close();
});

test('counts samples over several traf/trun boxes', () => {
  const m = box(
    'moof',
    Buffer.concat([box('traf', Buffer.concat([trun(4), trun(6)])), box('traf', trun(1))]),
  );
  assert.equal(countTrunSamples(m), 11);
});
