import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isNonReferenceH264 } from './unit-decoder.js';

const unit = (...headers: number[]) =>
  Buffer.concat(headers.map((h, i) => Buffer.from([0, 0, ...(i === 0 ? [0] : []), 1, h, 0x88, 0x84])));

test('an H.264 unit is non-reference only when every slice has nal_ref_idc 0', () => {
  assert.equal(isNonReferenceH264(unit(0x01)), true, 'non-IDR slice, nal_ref_idc 0');
  assert.equal(isNonReferenceH264(unit(0x09, 0x01, 0x01)), true, 'AUD then two such slices');
  assert.equal(isNonReferenceH264(unit(0x21)), false, 'nal_ref_idc 1');
  assert.equal(isNonReferenceH264(unit(0x41)), false, 'nal_ref_idc 2');
  assert.equal(isNonReferenceH264(unit(0x01, 0x41)), false, 'one referenced slice is enough');
  assert.equal(isNonReferenceH264(unit(0x67, 0x68, 0x65)), false, 'an IDR with its parameter sets');
  assert.equal(isNonReferenceH264(unit(0x06)), false, 'no slice at all (SEI only)');
});
