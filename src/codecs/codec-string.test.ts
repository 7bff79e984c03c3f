import assert from 'node:assert/strict';
import { test } from 'node:test';
import { videoCodecString } from './codec-string.js';

test('RFC 6381 names from an SPS: avc1 profile/constraints/level, hvc1 profile tier level', () => {
  // x264 High profile level 3.0 (SPS 67 64 00 1e ...).
  assert.equal(
    videoCodecString('h264', Buffer.from('6764001eacd940a02ff9610000030001', 'hex')),
    'avc1.64001E',
  );
  // x265 Main profile, level 3 (L90): general_profile_compatibility 0x60000000 reversed = 6, constraints B0.
  const hevcSps = Buffer.from(
    '420101016000000300b00000030000030078a003c08010e59654924cae6a0202020080',
    'hex',
  );
  assert.equal(videoCodecString('hevc', hevcSps), 'hvc1.1.6.L120.B0');
});
