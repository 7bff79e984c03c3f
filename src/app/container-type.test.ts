import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containerTypeOf } from './container-type.js';

const box = (type: string, brand = '') =>
  Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from(type + brand)]);

test('container signatures; short and unknown heads are null', () => {
  assert.equal(containerTypeOf(box('ftyp', 'isom')), 'video/mp4');
  assert.equal(containerTypeOf(box('ftyp', 'qt  ')), 'video/quicktime');
  assert.equal(containerTypeOf(box('moov')), 'video/quicktime');
  assert.equal(containerTypeOf(Buffer.from('RIFF\0\0\0\0AVI LIST')), 'video/x-msvideo');
  const ebml = (doc: string) =>
    Buffer.concat([
      Buffer.from('1a45dfa3a34286810142f7', 'hex'),
      Buffer.from([0x42, 0x82, 0x84]),
      Buffer.from(doc),
    ]);
  assert.equal(containerTypeOf(ebml('webm')), 'video/webm');
  assert.equal(containerTypeOf(ebml('matroska')), 'video/x-matroska');
  const ts = Buffer.alloc(188 * 3);
  for (let i = 0; i < 3; i++) ts[i * 188] = 0x47;
  assert.equal(containerTypeOf(ts), 'video/mp2t');
  assert.equal(containerTypeOf(ts.subarray(0, 200)), null, 'one sync byte is not enough');
  for (const head of [Buffer.alloc(0), Buffer.from([0x1a]), Buffer.from('hello world, not a video')]) {
    assert.equal(containerTypeOf(head), null);
  }
});
