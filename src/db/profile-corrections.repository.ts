/**
 * The queries of the operator's corrections of profiles (migration 012; docs/profiles.md, "Corrections"):
 * pairs of profiles told apart, one appearance read and rewritten, a video's faces moved from one
 * profile to another. Bound to the same connection as the ProfilesRepository that hands it out, so that
 * a correction is one transaction with the rest.
 */
import type pg from 'pg';
import type { NewAppearance } from './profile-appearance.js';

type Queryable = pg.Pool | pg.PoolClient;

interface DbAppearance {
  first_ms: string;
  last_ms: string;
  frames: number;
  crop_frame_index: number | null;
  crop_ms: string | null;
  spans: { firstMs: number; lastMs: number }[];
}

export class ProfileCorrectionsRepository {
  constructor(private readonly db: Queryable) {}

  /** Every pair of profiles told apart. */
  async apartPairs(): Promise<[string, string][]> {
    const res = await this.db.query<{ profile_id: string; other_id: string }>(
      'SELECT profile_id, other_id FROM profile_apart',
    );
    return res.rows.map((r) => [r.profile_id, r.other_id]);
  }

  /** For each of the given profiles, the profiles told apart from it. */
  async apartOf(ids: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (ids.length === 0) return out;
    const res = await this.db.query<{ id: string; other: string }>(
      `SELECT profile_id AS id, other_id AS other FROM profile_apart WHERE profile_id = ANY($1::uuid[])
       UNION ALL
       SELECT other_id, profile_id FROM profile_apart WHERE other_id = ANY($1::uuid[])
       ORDER BY 1, 2`,
      [ids],
    );
    for (const r of res.rows) out.set(r.id, [...(out.get(r.id) ?? []), r.other]);
    return out;
  }

  async addApart(a: string, b: string): Promise<void> {
    await this.db.query(
      `INSERT INTO profile_apart (profile_id, other_id) VALUES (LEAST($1::uuid, $2::uuid), GREATEST($1::uuid, $2::uuid))
       ON CONFLICT DO NOTHING`,
      [a, b],
    );
  }

  async appearance(profileId: string, videoId: string): Promise<NewAppearance | null> {
    const res = await this.db.query<DbAppearance>(
      `SELECT first_ms, last_ms, frames, crop_frame_index, crop_ms, spans FROM profile_appearances
       WHERE profile_id = $1 AND video_id = $2 FOR UPDATE`,
      [profileId, videoId],
    );
    const r = res.rows[0];
    if (!r) return null;
    return {
      profileId,
      videoId,
      firstMs: Number(r.first_ms),
      lastMs: Number(r.last_ms),
      frames: r.frames,
      cropFrameIndex: r.crop_frame_index,
      cropMs: r.crop_ms === null ? null : Number(r.crop_ms),
      spans: r.spans,
    };
  }

  async deleteAppearance(profileId: string, videoId: string): Promise<void> {
    await this.db.query('DELETE FROM profile_appearances WHERE profile_id = $1 AND video_id = $2', [
      profileId,
      videoId,
    ]);
  }

  /**
   * Moves a video's faces of profile `from` to `to`: all of them, or (`fromMs` given) those seen at or
   * after `fromMs`. Faces whose time is unknown (stored before migration 012) move only with all.
   * Returns how many moved.
   */
  async moveVideoFaces(from: string, to: string, videoId: string, fromMs: number | null): Promise<number> {
    const res = await this.db.query(
      `UPDATE profile_embeddings SET profile_id = $2
       WHERE profile_id = $1 AND video_id = $3 AND ($4::bigint IS NULL OR face_ms >= $4::bigint)`,
      [from, to, videoId, fromMs],
    );
    return res.rowCount ?? 0;
  }

  /** The video's people count, again from its appearances (when it was counted at all). */
  async recountVideoPeople(videoId: string): Promise<void> {
    await this.db.query(
      `UPDATE videos v SET people_count = (SELECT count(*) FROM profile_appearances a WHERE a.video_id = v.id)
       WHERE v.id = $1 AND v.people_count IS NOT NULL`,
      [videoId],
    );
  }
}
