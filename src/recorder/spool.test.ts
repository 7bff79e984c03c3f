import assert from 'node:assert/strict';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  statSync,
  writeSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import type { SegmentHeader } from './segment-index.js';
import {
  journalMediaPath,
  journalMediaStream,
  readJournal,
  removeJournal,
  SpoolJournal,
  syncJournal,
} from './spool.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'kadr-spool-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const header: SegmentHeader = {
  key: 'cam/a.mp4',
  indexKey: 'cam/a.index.json',
  source: 'rtsp://x/y',
  codec: 'h264',
  width: 320,
  height: 180,
  timeBase: { num: 1, den: 90000 },
  connection: 1,
  startedAtMs: 1,
  startReason: 'connect',
  gapBefore: null,
  droppedBeforeKeyframe: 0,
};
const frame = (pts: number) => ({
  ptsTicks: BigInt(pts),
  dtsTicks: BigInt(pts),
  key: pts === 0,
  receivedAtMs: pts,
  ntpMs: null,
});
async function media(file: string): Promise<Buffer> {
  const c = await readJournal(file);
  const parts: Buffer[] = [];
  for await (const b of journalMediaStream(c!)) parts.push(b as Buffer);
  return Buffer.concat(parts);
}

/** What the muxer does: bytes into the media file (its descriptor), then the range they took. */
function written(j: SpoolJournal, text: string): { offset: number; length: number } {
  const offset = statSync(journalMediaPath(j.path)).size;
  writeSync(j.mediaFd, Buffer.from(text));
  return { offset, length: text.length };
}

test('a journal gives back the init section and fragments in order, with their frames', async () => {
  const j = SpoolJournal.create(dir, header, { fsync: false });
  j.writeInit(written(j, 'INIT'));
  j.writeFragment(written(j, 'FRAG1'), [frame(0), frame(3000)]);
  j.writeFragment(written(j, 'FRAG2'), [frame(6000)]);
  j.writeTrailer(written(j, 'MFRA'));
  j.writeEnd('rollover', 9000n);
  j.close();
  const c = await readJournal(j.path);
  assert.equal(c!.header.key, 'cam/a.mp4');
  assert.deepEqual(
    c!.frames.map((f) => f.ptsTicks),
    [0n, 3000n, 6000n],
  );
  assert.deepEqual(c!.end, { endReason: 'rollover', nextPtsTicks: 9000n });
  assert.equal((await media(j.path)).toString(), 'INITFRAG1FRAG2MFRA');
  await removeJournal(j.path);
  assert.ok(!existsSync(j.path) && !existsSync(journalMediaPath(j.path)));
});

test('a journal cut short by a crash keeps the fragments before the cut and their frames only', async () => {
  const j = SpoolJournal.create(dir, header, { fsync: false });
  j.writeInit(written(j, 'INIT'));
  j.writeFragment(written(j, 'FRAG1'), [frame(0)]);
  j.writeFragment(written(j, 'FRAG2-LONGER'), [frame(3000), frame(6000)]);
  written(j, 'HALF-A-FRAGM'); // the muxer was writing the next fragment when the process died
  j.close();
  truncateSync(j.path, statSync(j.path).size - 3);
  const c = await readJournal(j.path);
  assert.deepEqual(
    c!.frames.map((f) => f.ptsTicks),
    [0n],
  );
  assert.equal(c!.end, null);
  assert.equal((await media(j.path)).toString(), 'INITFRAG1');
  assert.ok(readFileSync(j.path).length > 0);
});

test('a record naming bytes the media file does not hold ends the usable part', async () => {
  const j = SpoolJournal.create(dir, header, { fsync: false });
  j.writeInit(written(j, 'INIT'));
  j.writeFragment(written(j, 'FRAG1'), [frame(0)]);
  j.writeFragment(written(j, 'FRAG2'), [frame(3000)]);
  j.close();
  truncateSync(journalMediaPath(j.path), 'INITFRAG1FRA'.length); // lost with the machine, not synced
  const c = await readJournal(j.path);
  assert.deepEqual(
    c!.frames.map((f) => f.ptsTicks),
    [0n],
  );
  assert.equal((await media(j.path)).toString(), 'INITFRAG1');
});

test('closed while its syncs are in flight: the files stay open until they end, then close; syncJournal syncs a closed one', async () => {
  const openFds = () => readdirSync('/proc/self/fd').length;
  const before = openFds();
  const j = SpoolJournal.create(dir, header, { fsync: true, syncAfterMs: 0 });
  j.writeInit(written(j, 'INIT'));
  await new Promise((r) => setTimeout(r, 1)); // the sync of the header and init starts
  j.writeFragment(written(j, 'FRAG1'), [frame(0)]);
  j.writeEnd('rollover', 3000n);
  j.close();
  assert.throws(() => j.writeTrailer({ offset: 0, length: 0 }), /closed/, 'no record after close');
  for (let i = 0; i < 200 && openFds() > before; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(openFds(), before, 'both descriptors closed once the sync in flight ended');
  await syncJournal(j.path);
  const c = await readJournal(j.path);
  assert.deepEqual(c!.end, { endReason: 'rollover', nextPtsTicks: 3000n });
  assert.equal((await media(j.path)).toString(), 'INITFRAG1');
  await removeJournal(j.path);
});

test('records are synced once SPOOL_SYNC_AFTER_MS after they are written, by path once closed; never for a journal deleted before', async () => {
  const gone = SpoolJournal.create(dir, header, { fsync: true, syncAfterMs: 150 });
  gone.writeInit(written(gone, 'INIT'));
  gone.writeEnd('rollover', 0n);
  gone.remove();
  const kept = SpoolJournal.create(dir, header, { fsync: true, syncAfterMs: 150 });
  kept.writeInit(written(kept, 'INIT'));
  kept.writeFragment(written(kept, 'FRAG1'), [frame(0)]);
  assert.equal(kept.syncs, 0, 'not at once');
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(kept.syncs, 1, 'one sync for everything written within the delay');
  kept.writeFragment(written(kept, 'FRAG2'), [frame(3000)]);
  kept.writeEnd('rollover', 6000n);
  kept.close();
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(kept.syncs, 2, 'what came after is synced too, by path once the journal is closed');
  assert.equal(gone.syncs, 0, 'a journal deleted before its sync was due is never synced');
  assert.equal((await media(kept.path)).toString(), 'INITFRAG1FRAG2');
  await removeJournal(kept.path);
});

test('closing a journal does not push its due sync later', async () => {
  const j = SpoolJournal.create(dir, header, { fsync: true, syncAfterMs: 300 });
  j.writeInit(written(j, 'INIT'));
  await new Promise((r) => setTimeout(r, 200));
  j.writeEnd('rollover', 0n);
  j.close();
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(j.syncs, 1, 'synced 300 ms after the first write, not 300 ms after close');
  await removeJournal(j.path);
});
