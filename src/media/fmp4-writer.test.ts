import assert from 'node:assert/strict';
import { closeSync, fstatSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { Demuxer } from 'node-av/api';
import type { Fmp4Piece } from './fmp4-boxes.js';
import { Fmp4Writer } from './fmp4-writer.js';
import { writeSyntheticVideo } from './synthetic-video.js';

test('muxes into a descriptor and reports its pieces as contiguous ranges, fragments in order', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kadr-fmp4-'));
  try {
    const file = path.join(dir, 'in.mp4');
    await writeSyntheticVideo(file, {
      width: 96,
      height: 64,
      frames: 60,
      timescale: 90000,
      startTicks: 0,
      minTicks: 3000,
      spreadTicks: 1000,
      seed: 3,
      gop: 10,
      bframes: 2,
      hue: 0,
    });
    const demuxer = await Demuxer.open(file);
    const pieces: Fmp4Piece[] = [];
    const fd = openSync(path.join(dir, 'out.mp4'), 'wx+');
    try {
      const stream = demuxer.video()!;
      const writer = new Fmp4Writer(stream, {
        fd,
        fragmentDurationUs: 200_000,
        onPiece: (p) => {
          // reported as soon as complete: the range is in the file already
          assert.ok(fstatSync(fd).size >= p.offset + p.length);
          pieces.push(p);
        },
      });
      for (const packet of demuxer.packetsSync(stream.index)) {
        if (!packet) break;
        writer.write(packet);
        packet.free();
      }
      // each fragment was reported as the muxer wrote it, not only when the writer closed
      assert.ok(pieces.length >= 6, `${pieces.length} pieces before close`);
      writer.close();
    } finally {
      await demuxer.close();
    }
    const size = fstatSync(fd).size;
    assert.deepEqual(
      pieces.map((p) => p.kind),
      ['init', ...pieces.slice(1, -1).map(() => 'fragment'), 'trailer'],
    );
    let at = 0;
    for (const p of pieces) {
      assert.equal(p.offset, at);
      at += p.length;
    }
    assert.equal(at, size);
    writeSync(fd, Buffer.from('still mine')); // the writer did not close the descriptor
    const fragments = pieces.filter((p) => p.kind === 'fragment');
    assert.ok(fragments.length >= 6, `${fragments.length} fragments`);
    // mfhd sequence_number: 1, 2, 3... in the order the fragments were made.
    const sequence = fragments.map((f) => {
      const bytes = Buffer.alloc(f.length);
      readSync(fd, bytes, 0, f.length, f.offset);
      const moof = bytes.indexOf('moof', 0, 'latin1');
      // 'moof' is at box start + 4; mfhd follows the 8-byte moof header: size, type, version/flags, seq
      return bytes.readUInt32BE(moof + 4 + 12);
    });
    assert.deepEqual(
      sequence,
      fragments.map((_, i) => i + 1),
    );
    assert.equal(
      fragments.reduce((n, f) => n + f.samples, 0),
      60,
    );
    closeSync(fd);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
