/**
 * The queries of "this is not X" for a camera's face event (migration 013; docs/live-analytics.md,
 * "Correcting a face"): the event's kept faces read under a row lock, the event renamed, the faces given
 * to a profile and kept as negatives of another. Bound to the connection of the ProfilesRepository that
 * hands it out, so that a correction is one transaction under the profiles lock.
 */
import type pg from 'pg';
import type { AnalyticsEventType } from './live-analytics.repository.js';

type Queryable = pg.Pool | pg.PoolClient;

export interface EventFaces {
  id: string;
  type: AnalyticsEventType;
  profileId: string | null;
  /** The faces kept with the event (null: none, as for events stored before migration 013). */
  embeddings: number[][] | null;
  cropKey: string | null;
}

export class EventCorrectionsRepository {
  constructor(private readonly db: Queryable) {}

  /** The event with its kept faces, locked until the transaction ends; null when there is none. */
  async eventFaces(eventId: string): Promise<EventFaces | null> {
    const res = await this.db.query<{
      id: string;
      type: AnalyticsEventType;
      profile_id: string | null;
      face_embeddings: number[][] | null;
      face_crop_key: string | null;
    }>(
      `SELECT id, type, profile_id, face_embeddings, face_crop_key FROM analytics_events WHERE id = $1 FOR UPDATE`,
      [eventId],
    );
    const r = res.rows[0];
    if (!r) return null;
    return {
      id: r.id,
      type: r.type,
      profileId: r.profile_id,
      embeddings: r.face_embeddings,
      cropKey: r.face_crop_key,
    };
  }

  async renameEvent(eventId: string, profileId: string): Promise<void> {
    await this.db.query('UPDATE analytics_events SET profile_id = $2 WHERE id = $1', [eventId, profileId]);
  }

  /**
   * The event's faces become faces of `profileId` (marked as from the event: an earlier correction of the
   * same event to another profile is taken back first), and the profile's negatives from this event go
   * (the operator now says these faces are this person).
   */
  async giveFaces(profileId: string, eventId: string, embeddings: number[][]): Promise<void> {
    await this.db.query('DELETE FROM profile_embeddings WHERE from_event = $1', [eventId]);
    await this.db.query('DELETE FROM profile_negatives WHERE profile_id = $1 AND from_event = $2', [
      profileId,
      eventId,
    ]);
    await this.db.query(
      `INSERT INTO profile_embeddings (profile_id, video_id, embedding, from_event)
       SELECT $1, NULL, ARRAY(SELECT json_array_elements_text(e.value)::real), $2
       FROM json_array_elements($3::json) AS e(value)`,
      [profileId, eventId, JSON.stringify(embeddings)],
    );
  }

  /** The event's faces are not `profileId`: its negatives, noting where they went (`toProfileId`). */
  async addNegatives(
    profileId: string,
    toProfileId: string,
    eventId: string,
    embeddings: number[][],
  ): Promise<void> {
    await this.db.query('DELETE FROM profile_negatives WHERE profile_id = $1 AND from_event = $2', [
      profileId,
      eventId,
    ]);
    await this.db.query(
      `INSERT INTO profile_negatives (profile_id, embedding, from_event, to_profile_id)
       SELECT $1, ARRAY(SELECT json_array_elements_text(e.value)::real), $2, $3
       FROM json_array_elements($4::json) AS e(value)`,
      [profileId, eventId, toProfileId, JSON.stringify(embeddings)],
    );
  }

  /** Keeps a profile's newest `keep` negatives (each costs a distance when a face comes near the profile). */
  async trimNegatives(profileId: string, keep: number): Promise<void> {
    await this.db.query(
      `DELETE FROM profile_negatives WHERE profile_id = $1 AND id NOT IN
         (SELECT id FROM profile_negatives WHERE profile_id = $1 ORDER BY id DESC LIMIT $2)`,
      [profileId, keep],
    );
  }
}
