import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_ACCESS_UNIT_BYTES, type AccessUnit } from './access-unit.js';
import { H264Depacketizer } from './h264-depacketizer.js';

test('a source that never ends its access unit (no marker, one timestamp) cannot grow the buffer without bound', () => {
  const units: AccessUnit[] = [];
  const depacketizer = new H264Depacketizer((au) => units.push({ ...au, data: Buffer.from(au.data) }));
  // Single-NAL packets of a non-IDR slice (type 1, nal_ref_idc 2), none with the marker bit, all
  // with one RTP timestamp: 48 MiB in all, past the cap.
  const payload = Buffer.alloc(1400, 0x5a);
  payload[0] = 0x41;
  const packets = Math.ceil((48 * 1024 * 1024) / payload.length);
  for (let i = 0; i < packets; i++) depacketizer.push(payload, 1000, false, false);
  assert.ok(depacketizer.oversizedUnits >= 1, 'the oversized unit is counted');
  depacketizer.push(payload, 4000, true, false); // a next unit completes whatever is left
  for (const u of units) assert.ok(u.data.length <= MAX_ACCESS_UNIT_BYTES, `unit of ${u.data.length} bytes`);
  const last = units.at(-1);
  assert.ok(last && last.timestamp === 4000 && last.data.length === 4 + payload.length, 'later units pass');
  const cut = units.find((u) => u.timestamp === 1000);
  if (cut) assert.equal(cut.damaged, true, 'what is kept of the oversized unit is marked damaged');
});
