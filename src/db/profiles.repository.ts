/**
 * The `profiles`, `profile_embeddings` and `profile_appearances` tables (migration 002). Lists page
 * by keyset on `seq` (newest first): `WHERE seq < $cursor ORDER BY profiles.seq DESC LIMIT n + 1` is one range
 * scan of the unique index whatever the page, and the appearances of a page come in one more query.
 * Writes that must be atomic (a video's people) run through `transaction()`.
 */
import type pg from 'pg';
import type { CropSource, NewAppearance } from './profile-appearance.js';
import { EventCorrectionsRepository } from './event-corrections.repository.js';
import { ProfileCorrectionsRepository } from './profile-corrections.repository.js';

export type { CropSource, NewAppearance } from './profile-appearance.js';

export type Gender = 'female' | 'male' | 'other' | 'unknown';

export interface ProfileRow {
  id: string;
  seq: string;
  lastName: string | null;
  firstName: string | null;
  middleName: string | null;
  gender: Gender | null;
  /** YYYY-MM-DD. */
  birthDate: string | null;
  cropKey: string | null;
  cropQuality: number;
  /** Where the crop came from (a video and the ms in it); null for a photo's crop. */
  cropVideoId: string | null;
  cropMs: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface AppearanceRow {
  profileId: string;
  videoId: string;
  videoName: string;
  firstMs: number;
  lastMs: number;
  frames: number;
  cropFrameIndex: number | null;
  cropMs: number | null;
  spans: { firstMs: number; lastMs: number }[];
}

export interface ProfileFields {
  lastName?: string | null;
  firstName?: string | null;
  middleName?: string | null;
  gender?: Gender | null;
  birthDate?: string | null;
}

const PROFILE_COLUMNS = `id, seq::text AS seq, last_name, first_name, middle_name, gender,
  to_char(birth_date, 'YYYY-MM-DD') AS birth_date, crop_key, crop_quality, crop_video_id, crop_ms, created_at,
  updated_at`;

interface DbProfile {
  id: string;
  seq: string;
  last_name: string | null;
  first_name: string | null;
  middle_name: string | null;
  gender: Gender | null;
  birth_date: string | null;
  crop_key: string | null;
  crop_quality: number;
  crop_video_id: string | null;
  crop_ms: string | null;
  created_at: Date;
  updated_at: Date;
}

const toProfile = (r: DbProfile): ProfileRow => ({
  id: r.id,
  seq: r.seq,
  lastName: r.last_name,
  firstName: r.first_name,
  middleName: r.middle_name,
  gender: r.gender,
  birthDate: r.birth_date,
  cropKey: r.crop_key,
  cropQuality: r.crop_quality,
  cropVideoId: r.crop_video_id,
  cropMs: r.crop_ms === null ? null : Number(r.crop_ms),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

interface DbAppearance {
  profile_id: string;
  video_id: string;
  filename: string;
  first_ms: string;
  last_ms: string;
  frames: number;
  crop_frame_index: number | null;
  crop_ms: string | null;
  spans: { firstMs: number; lastMs: number }[];
}

const toAppearance = (r: DbAppearance): AppearanceRow => ({
  profileId: r.profile_id,
  videoId: r.video_id,
  videoName: r.filename,
  firstMs: Number(r.first_ms),
  lastMs: Number(r.last_ms),
  frames: r.frames,
  cropFrameIndex: r.crop_frame_index,
  cropMs: r.crop_ms === null ? null : Number(r.crop_ms),
  spans: r.spans,
});

const FIELD_COLUMNS: Record<keyof ProfileFields, string> = {
  lastName: 'last_name',
  firstName: 'first_name',
  middleName: 'middle_name',
  gender: 'gender',
  birthDate: 'birth_date',
};

type Queryable = pg.Pool | pg.PoolClient;

export class ProfilesRepository {
  constructor(
    private readonly db: Queryable,
    private readonly inTransaction = false,
  ) {}

  /** Runs `fn` in one transaction with a repository bound to it (nested calls join the outer one). */
  async transaction<T>(fn: (tx: ProfilesRepository) => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn(this);
    const client = await (this.db as pg.Pool).connect();
    try {
      await client.query('BEGIN');
      const result = await fn(new ProfilesRepository(client, true));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** The corrections' queries, on this repository's connection (and so in its transaction). */
  get corrections(): ProfileCorrectionsRepository {
    return new ProfileCorrectionsRepository(this.db);
  }

  /** "This is not X" of a camera's event, on this repository's connection (and so in its transaction). */
  get eventCorrections(): EventCorrectionsRepository {
    return new EventCorrectionsRepository(this.db);
  }

  /**
   * Serialises writers of profiles (two workers finishing videos with the same new person at once
   * must not both create them). Transaction-scoped: released at COMMIT / ROLLBACK.
   */
  async lockProfiles(): Promise<void> {
    await this.db.query('SELECT pg_advisory_xact_lock(0x6b616472, 6)');
  }

  /** One page, newest first, after the cursor `beforeSeq` (exclusive); `limit + 1` rows tell if more follow. */
  async page(limit: number, beforeSeq: string | null): Promise<{ items: ProfileRow[]; hasMore: boolean }> {
    // Two statements, not `$1 IS NULL OR seq < $1` (an OR the planner cannot turn into an index
    // range). ORDER BY names profiles.seq: a bare `seq` would mean the text output column of the same
    // name, sorting 100k rows as strings (measured 60 ms instead of 0.1 ms, and "9" after "10").
    const res = beforeSeq
      ? await this.db.query<DbProfile>(
          `SELECT ${PROFILE_COLUMNS} FROM profiles WHERE seq < $1::bigint ORDER BY profiles.seq DESC LIMIT $2`,
          [beforeSeq, limit + 1],
        )
      : await this.db.query<DbProfile>(
          `SELECT ${PROFILE_COLUMNS} FROM profiles ORDER BY profiles.seq DESC LIMIT $1`,
          [limit + 1],
        );
    const rows = res.rows.map(toProfile);
    return { items: rows.slice(0, limit), hasMore: rows.length > limit };
  }

  async get(id: string): Promise<ProfileRow | null> {
    const res = await this.db.query<DbProfile>(`SELECT ${PROFILE_COLUMNS} FROM profiles WHERE id = $1`, [id]);
    return res.rows[0] ? toProfile(res.rows[0]) : null;
  }

  /** Appearances of the given profiles with their video's name, earliest first per profile. */
  async appearancesOf(profileIds: string[]): Promise<AppearanceRow[]> {
    if (profileIds.length === 0) return [];
    const res = await this.db.query<DbAppearance>(
      `SELECT a.profile_id, a.video_id, v.filename, a.first_ms, a.last_ms, a.frames, a.crop_frame_index,
              a.crop_ms, a.spans
       FROM profile_appearances a JOIN videos v ON v.id = a.video_id
       WHERE a.profile_id = ANY($1::uuid[]) ORDER BY a.profile_id, v.created_at, a.video_id`,
      [profileIds],
    );
    return res.rows.map(toAppearance);
  }

  /** Profiles seen in a video, in order of first appearance. */
  async profilesInVideo(videoId: string): Promise<{ profileId: string; firstMs: number; lastMs: number }[]> {
    const res = await this.db.query<{ profile_id: string; first_ms: string; last_ms: string }>(
      `SELECT profile_id, first_ms, last_ms FROM profile_appearances WHERE video_id = $1
       ORDER BY first_ms, profile_id`,
      [videoId],
    );
    return res.rows.map((r) => ({
      profileId: r.profile_id,
      firstMs: Number(r.first_ms),
      lastMs: Number(r.last_ms),
    }));
  }

  /** Sets the given fields (all or nothing: one UPDATE); null when there is no such profile. */
  async update(id: string, fields: ProfileFields): Promise<ProfileRow | null> {
    const keys = (Object.keys(fields) as (keyof ProfileFields)[]).filter((k) => fields[k] !== undefined);
    const sets = keys.map((k, i) => `${FIELD_COLUMNS[k]} = $${i + 2}`);
    const res = await this.db.query<DbProfile>(
      `UPDATE profiles SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE id = $1 RETURNING ${PROFILE_COLUMNS}`,
      [id, ...keys.map((k) => fields[k])],
    );
    return res.rows[0] ? toProfile(res.rows[0]) : null;
  }

  async delete(id: string): Promise<ProfileRow | null> {
    const res = await this.db.query<DbProfile>(
      `DELETE FROM profiles WHERE id = $1 RETURNING ${PROFILE_COLUMNS}`,
      [id],
    );
    return res.rows[0] ? toProfile(res.rows[0]) : null;
  }

  /**
   * Every profile's embeddings (for matching a video's people and cameras' faces) with its negatives
   * (faces the operator said are not this person; empty for most), optionally only profiles newer than
   * `afterSeq`.
   */
  async embeddings(
    afterSeq: string | null = null,
  ): Promise<{ id: string; seq: string; embeddings: number[][]; negatives: number[][] }[]> {
    const res = await this.db.query<{
      id: string;
      seq: string;
      embeddings: number[][];
      negatives: number[][] | null;
    }>(
      `SELECT p.id, p.seq::text AS seq, array_agg(e.embedding ORDER BY e.id) AS embeddings,
         (SELECT array_agg(n.embedding ORDER BY n.id) FROM profile_negatives n WHERE n.profile_id = p.id) AS negatives
       FROM profiles p JOIN profile_embeddings e ON e.profile_id = p.id
       WHERE ($1::bigint IS NULL OR p.seq > $1::bigint)
       GROUP BY p.id, p.seq`,
      [afterSeq],
    );
    return res.rows.map((r) => ({ ...r, negatives: r.negatives ?? [] }));
  }

  async maxSeq(): Promise<string | null> {
    const res = await this.db.query<{ seq: string | null }>('SELECT max(seq)::text AS seq FROM profiles');
    return res.rows[0]?.seq ?? null;
  }

  /** A new profile; `cropKey` null when no face of it has a crop yet (a piece of a correction). */
  async insertProfile(
    id: string,
    cropKey: string | null,
    cropQuality: number,
    source: CropSource | null = null,
  ): Promise<void> {
    await this.db.query(
      'INSERT INTO profiles (id, crop_key, crop_quality, crop_video_id, crop_ms) VALUES ($1, $2, $3, $4, $5)',
      [id, cropKey, cropKey ? cropQuality : 0, source?.videoId ?? null, source?.ms ?? null],
    );
  }

  /** Sets the crop (null: none any more) and where it came from (null: a photo). */
  async setCrop(
    id: string,
    cropKey: string | null,
    cropQuality: number,
    source: CropSource | null = null,
  ): Promise<void> {
    await this.db.query(
      `UPDATE profiles SET crop_key = $2, crop_quality = $3, crop_video_id = $4, crop_ms = $5, updated_at = now()
       WHERE id = $1`,
      [id, cropKey, cropKey ? cropQuality : 0, source?.videoId ?? null, source?.ms ?? null],
    );
  }

  /** A video's faces of a profile, with when each was seen (`faceMs`, same order; optional). */
  async addEmbeddings(
    profileId: string,
    videoId: string,
    embeddings: ArrayLike<number>[],
    faceMs: readonly number[] = [],
  ): Promise<void> {
    if (embeddings.length === 0) return;
    await this.db.query(
      `INSERT INTO profile_embeddings (profile_id, video_id, embedding, face_ms)
       SELECT $1, $2, ARRAY(SELECT json_array_elements_text(e.value)::real), ($4::bigint[])[e.ordinality]
       FROM json_array_elements($3::json) WITH ORDINALITY AS e(value, ordinality)`,
      [profileId, videoId, JSON.stringify(embeddings.map((e) => Array.from(e))), faceMs.map(Math.round)],
    );
  }

  /** A photo's embedding (no video): kept apart from video embeddings by trimming and the orphan rule. */
  async addPhotoEmbedding(profileId: string, embedding: ArrayLike<number>): Promise<void> {
    await this.db.query(
      `INSERT INTO profile_embeddings (profile_id, video_id, embedding, from_photo) VALUES ($1, NULL, $2::real[], true)`,
      [profileId, Array.from(embedding)],
    );
  }

  /**
   * Keeps a profile's newest `keep` embeddings of each kind, from videos and from photos (a person
   * seen in many videos must not grow without bound, nor push out the photos someone gave).
   */
  async trimEmbeddings(profileId: string, keep: number, keepPhotos = keep): Promise<void> {
    await this.db.query(
      `DELETE FROM profile_embeddings WHERE profile_id = $1 AND id NOT IN (
         (SELECT id FROM profile_embeddings WHERE profile_id = $1 AND NOT from_photo ORDER BY id DESC LIMIT $2)
         UNION ALL
         (SELECT id FROM profile_embeddings WHERE profile_id = $1 AND from_photo ORDER BY id DESC LIMIT $3))`,
      [profileId, keep, keepPhotos],
    );
  }

  async upsertAppearance(a: NewAppearance): Promise<void> {
    await this.db.query(
      `INSERT INTO profile_appearances (profile_id, video_id, first_ms, last_ms, frames, crop_frame_index, crop_ms, spans)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (profile_id, video_id) DO UPDATE SET first_ms = EXCLUDED.first_ms, last_ms = EXCLUDED.last_ms,
         frames = EXCLUDED.frames, crop_frame_index = EXCLUDED.crop_frame_index, crop_ms = EXCLUDED.crop_ms,
         spans = EXCLUDED.spans`,
      [
        a.profileId,
        a.videoId,
        a.firstMs,
        a.lastMs,
        a.frames,
        a.cropFrameIndex,
        a.cropMs,
        JSON.stringify(a.spans),
      ],
    );
  }

  /**
   * Moves everything of profile `otherId` to `targetId`: embeddings, appearances (a video both appear
   * in becomes one appearance with both sets of spans), live events; personal data the target lacks is
   * taken from the other. Videos both appeared in count one person fewer. Does not delete the other
   * profile (the caller does, with its crop).
   */
  async mergeInto(targetId: string, otherId: string): Promise<void> {
    await this.db.query('UPDATE profile_embeddings SET profile_id = $1 WHERE profile_id = $2', [
      targetId,
      otherId,
    ]);
    const shared = await this.db.query<{ video_id: string }>(
      `UPDATE profile_appearances t SET
         first_ms = LEAST(t.first_ms, o.first_ms),
         last_ms = GREATEST(t.last_ms, o.last_ms),
         frames = t.frames + o.frames,
         spans = (SELECT jsonb_agg(s ORDER BY (s->>'firstMs')::bigint, (s->>'lastMs')::bigint)
                  FROM (SELECT jsonb_array_elements(t.spans) UNION ALL SELECT jsonb_array_elements(o.spans)) x(s))
       FROM profile_appearances o
       WHERE t.profile_id = $1 AND o.profile_id = $2 AND o.video_id = t.video_id
       RETURNING t.video_id`,
      [targetId, otherId],
    );
    await this.db.query(
      `DELETE FROM profile_appearances o WHERE o.profile_id = $2
         AND EXISTS (SELECT 1 FROM profile_appearances t WHERE t.profile_id = $1 AND t.video_id = o.video_id)`,
      [targetId, otherId],
    );
    await this.db.query('UPDATE profile_appearances SET profile_id = $1 WHERE profile_id = $2', [
      targetId,
      otherId,
    ]);
    await this.db.query('UPDATE analytics_events SET profile_id = $1 WHERE profile_id = $2', [
      targetId,
      otherId,
    ]);
    // Faces one of the two was said not to be, that went to the other, are this person's after all;
    // the other's remaining negatives become the target's.
    await this.db.query(
      `DELETE FROM profile_negatives
       WHERE (profile_id = $1 AND to_profile_id = $2) OR (profile_id = $2 AND to_profile_id = $1)`,
      [targetId, otherId],
    );
    await this.db.query('UPDATE profile_negatives SET profile_id = $1 WHERE profile_id = $2', [
      targetId,
      otherId,
    ]);
    await this.db.query('UPDATE profile_negatives SET to_profile_id = $1 WHERE to_profile_id = $2', [
      targetId,
      otherId,
    ]);
    // The other's "two people" pairs become the target's; the pair of these two goes (the operator
    // now says they are one) with the other profile (cascade).
    await this.db.query(
      `INSERT INTO profile_apart (profile_id, other_id)
       SELECT LEAST($1::uuid, x.id), GREATEST($1::uuid, x.id)
       FROM (SELECT CASE WHEN profile_id = $2 THEN other_id ELSE profile_id END AS id
             FROM profile_apart WHERE profile_id = $2 OR other_id = $2) x
       WHERE x.id <> $1
       ON CONFLICT DO NOTHING`,
      [targetId, otherId],
    );
    if (shared.rows.length > 0) {
      await this.db.query(
        `UPDATE videos v SET people_count = (SELECT count(*) FROM profile_appearances a WHERE a.video_id = v.id)
         WHERE v.id = ANY($1::uuid[]) AND v.people_count IS NOT NULL`,
        [shared.rows.map((r) => r.video_id)],
      );
    }
    await this.db.query(
      `UPDATE profiles t SET last_name = COALESCE(t.last_name, o.last_name),
         first_name = COALESCE(t.first_name, o.first_name), middle_name = COALESCE(t.middle_name, o.middle_name),
         gender = COALESCE(t.gender, o.gender), birth_date = COALESCE(t.birth_date, o.birth_date),
         updated_at = now()
       FROM profiles o WHERE t.id = $1 AND o.id = $2`,
      [targetId, otherId],
    );
  }

  /** Forgets what an earlier run over this video stored (re-processing starts clean for that video). */
  async clearVideo(videoId: string): Promise<void> {
    await this.db.query('DELETE FROM profile_appearances WHERE video_id = $1', [videoId]);
    await this.db.query('DELETE FROM profile_embeddings WHERE video_id = $1', [videoId]);
  }

  /**
   * Deletes profiles that no video shows any more, that nobody has filled in and that were not made
   * from a photo nor given a camera's face by a correction (a person typed or gave those; they stay, and
   * a later video or camera can attach to them again through their embeddings).
   * Returns their crop keys so that the caller removes the objects.
   */
  async deleteOrphans(): Promise<string[]> {
    const res = await this.db.query<{ crop_key: string | null }>(
      `DELETE FROM profiles p
       WHERE NOT EXISTS (SELECT 1 FROM profile_appearances a WHERE a.profile_id = p.id)
         AND NOT EXISTS (SELECT 1 FROM profile_embeddings e
                         WHERE e.profile_id = p.id AND (e.from_photo OR e.from_event IS NOT NULL))
         AND last_name IS NULL AND first_name IS NULL AND middle_name IS NULL
         AND gender IS NULL AND birth_date IS NULL
       RETURNING crop_key`,
    );
    return res.rows.flatMap((r) => (r.crop_key ? [r.crop_key] : []));
  }

  /**
   * Holds the video row until the transaction ends, so that a concurrent DELETE waits for the people
   * being saved (and then removes their appearances) instead of failing them half-way. False when
   * the video is gone already.
   */
  async lockVideo(videoId: string): Promise<boolean> {
    const res = await this.db.query('SELECT 1 FROM videos WHERE id = $1 FOR SHARE', [videoId]);
    return res.rowCount === 1;
  }

  async setVideoPeople(videoId: string, count: number): Promise<void> {
    await this.db.query('UPDATE videos SET people_count = $2 WHERE id = $1', [videoId, count]);
  }

  async videoPeopleCount(
    videoId: string,
  ): Promise<{ autoProfiles: boolean; peopleCount: number | null } | null> {
    const res = await this.db.query<{ auto_profiles: boolean; people_count: number | null }>(
      'SELECT auto_profiles, people_count FROM videos WHERE id = $1',
      [videoId],
    );
    const r = res.rows[0];
    return r ? { autoProfiles: r.auto_profiles, peopleCount: r.people_count } : null;
  }

  async setAutoProfiles(videoIds: string[], on: boolean): Promise<void> {
    if (videoIds.length === 0) return;
    await this.db.query('UPDATE videos SET auto_profiles = $2 WHERE id = ANY($1::uuid[])', [videoIds, on]);
  }
}
