/**
 * ProfilesRepository on a real PostgreSQL: keyset pages in numeric seq order across digit counts
 * (a text sort would put seq 10 before 9), every row exactly once, and the update / delete / orphan
 * rules at the SQL level.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { stderrLogger } from '../../../src/core/logger.js';
import { migrate, ProfilesRepository } from '../../../src/db/index.js';
import { createTestDatabase, type TestDatabase } from '../api/support/database.js';

let tdb: TestDatabase;
let pool: pg.Pool;
let repo: ProfilesRepository;
const created: string[] = [];

before(async () => {
  tdb = await createTestDatabase();
  pool = new pg.Pool({ connectionString: tdb.url, max: 2 });
  await migrate(pool, stderrLogger('warn'));
  repo = new ProfilesRepository(pool);
  for (let i = 0; i < 25; i++) {
    const id = randomUUID();
    await repo.insertProfile(id, `profiles/${id}/crop.jpg`, i / 25);
    created.push(id);
  }
});
after(async () => {
  await pool?.end();
  await tdb?.drop();
});

test('pages are newest first in numeric order, each row once, across 1- and 2-digit seqs', async () => {
  const seen: string[] = [];
  let cursor: string | null = null;
  for (;;) {
    const page: Awaited<ReturnType<ProfilesRepository['page']>> = await repo.page(4, cursor);
    seen.push(...page.items.map((p) => p.id));
    const seqs = page.items.map((p) => Number(p.seq));
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => b - a),
    );
    if (!page.hasMore) break;
    cursor = page.items.at(-1)!.seq;
  }
  assert.deepEqual(seen, [...created].reverse());
  const all = await repo.page(100, null);
  assert.equal(all.items.length, 25);
  assert.equal(all.hasMore, false);
  assert.deepEqual(
    all.items.map((p) => p.id),
    [...created].reverse(),
  );
});

test('update sets only the given fields; orphans with personal data stay', async () => {
  const [a, b] = created;
  const row = await repo.update(a!, { firstName: 'Анна', birthDate: '1990-01-02' });
  assert.equal(row!.firstName, 'Анна');
  assert.equal(row!.birthDate, '1990-01-02');
  assert.equal(row!.lastName, null);
  assert.equal(await repo.update(randomUUID(), { firstName: 'X' }), null);
  const orphanKeys = await repo.deleteOrphans(); // no appearances anywhere: all but `a` go
  assert.equal(orphanKeys.length, 24);
  assert.ok(await repo.get(a!));
  assert.equal(await repo.get(b!), null);
});

test("a camera's face given to a profile keeps it from the orphan rule; merging lifts negatives between the two", async () => {
  const face = (k: number) => Array.from({ length: 128 }, (_, i) => (i === k ? 1 : 0));
  const [x, n, y] = [randomUUID(), randomUUID(), randomUUID()];
  for (const id of [x, n, y]) await repo.insertProfile(id, null, 0);
  await repo.addPhotoEmbedding(x, face(0));
  await repo.addPhotoEmbedding(y, face(2));
  const event = randomUUID(); // no foreign key: the face stays the person's when the event is gone
  await repo.eventCorrections.giveFaces(n, event, [face(1)]);
  await repo.eventCorrections.addNegatives(x, n, event, [face(1)]);
  await repo.eventCorrections.addNegatives(y, n, event, [face(1)]);
  assert.deepEqual(await repo.deleteOrphans(), [], 'N has a face someone gave it');
  const negativesOf = async (id: string) =>
    (await repo.embeddings()).find((p) => p.id === id)!.negatives.map((e) => e.indexOf(1));
  assert.deepEqual(await negativesOf(x), [1]);
  assert.deepEqual(await negativesOf(n), []);
  // N is X after all: X's negatives that went to N go; Y's (the face is not Y) now point at X.
  await repo.mergeInto(x, n);
  await repo.delete(n);
  assert.deepEqual(await negativesOf(x), []);
  assert.deepEqual(await negativesOf(y), [1]);
  const res = await pool.query('SELECT to_profile_id FROM profile_negatives WHERE profile_id = $1', [y]);
  assert.deepEqual(res.rows, [{ to_profile_id: x }]);
});
