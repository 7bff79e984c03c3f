/**
 * "This is not X" for a camera's face event (docs/live-analytics.md, "Correcting a face"). A `profile`
 * event keeps up to 8 distinct faces of the person it saw (live-analytics.service.ts); the correction,
 * one transaction under the profiles lock:
 * - the event names `to` (an existing profile) or a new profile made from those faces, whose picture is
 *   the event's best face;
 * - the faces become faces of that profile (so it is recognised from now on) and negatives of X: a face
 *   nearer one of them than to X's own faces is never named X again (matchProfile);
 * - the two profiles are told apart (profile_apart), as a correction of a video's appearance does.
 * Then the running analyses get the profiles at once, and the event's change goes out on the live feed.
 */
import { randomUUID } from 'node:crypto';
import { KadrError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { ProfilesRepository } from '../../db/index.js';
import type { ObjectStore } from '../../storage/index.js';
import type { ProfileDto, ProfilesService } from '../profiles/index.js';
import { MAX_EMBEDDINGS_PER_PROFILE, MAX_PHOTO_EMBEDDINGS } from '../profiles/profiles.service.js';
import type { AnalyticsEventDto, LiveAnalyticsService } from './live-analytics.service.js';

export interface EventCorrectionsDeps {
  repo: ProfilesRepository;
  store: ObjectStore;
  log: Logger;
  profiles: ProfilesService;
  analytics: LiveAnalyticsService;
}

export interface EventCorrectionResult {
  /** The event, now naming the profile that got its faces. */
  event: AnalyticsEventDto;
  /** That profile (`created`: made for it). */
  profile: ProfileDto & { created: boolean };
}

/** Negatives kept per profile (the newest): each costs a distance only for faces near the profile. */
export const MAX_NEGATIVES_PER_PROFILE = 64;
const cropKeyOf = (profileId: string) => `profiles/${profileId}/crop.jpg`;

export class EventCorrectionsService {
  constructor(private readonly deps: EventCorrectionsDeps) {}

  async notThisPerson(eventId: string, to?: string): Promise<EventCorrectionResult> {
    const targetId = to ?? randomUUID();
    let newCrop: string | null = null;
    let wrong = '';
    try {
      await this.deps.repo.transaction(async (tx) => {
        await tx.lockProfiles();
        const events = tx.eventCorrections;
        const event = await events.eventFaces(eventId);
        if (!event) throw new KadrError('KADR_ERR_NOT_FOUND', `no event ${eventId}`);
        if (event.type !== 'profile') {
          throw new KadrError(
            'KADR_ERR_CONFLICT',
            `event ${eventId} is a ${event.type} event: only a face matched to a profile (type profile) names someone`,
            { hint: 'GET /api/events?type=profile lists those' },
          );
        }
        if (!event.profileId) {
          throw new KadrError(
            'KADR_ERR_CONFLICT',
            `event ${eventId} names nobody any more: its profile was deleted`,
          );
        }
        wrong = event.profileId;
        if (to === wrong) {
          throw new KadrError('KADR_ERR_VALIDATION', `event ${eventId} names ${to} already`, {
            hint: 'name another profile as "to", or leave "to" out for a new one',
          });
        }
        if (!event.embeddings || event.embeddings.length === 0) {
          throw new KadrError(
            'KADR_ERR_CONFLICT',
            `event ${eventId} kept no face to correct with (it was stored before events kept their faces)`,
          );
        }
        const target = to ? await tx.get(to) : null;
        if (to && !target) throw new KadrError('KADR_ERR_NOT_FOUND', `no profile with id ${to}`);
        if (!target) {
          // The new person's picture is the event's best face (a camera's crop: any video face replaces it).
          if (event.cropKey) {
            newCrop = cropKeyOf(targetId);
            await this.deps.store.put(newCrop, await readAll(await this.deps.store.get(event.cropKey)), {
              contentType: 'image/jpeg',
            });
          }
          await tx.insertProfile(targetId, newCrop, 0);
        } else if (!target.cropKey && event.cropKey) {
          newCrop = cropKeyOf(targetId);
          await this.deps.store.put(newCrop, await readAll(await this.deps.store.get(event.cropKey)), {
            contentType: 'image/jpeg',
          });
          await tx.setCrop(targetId, newCrop, 0);
        }
        await events.renameEvent(eventId, targetId);
        await events.giveFaces(targetId, eventId, event.embeddings);
        await tx.trimEmbeddings(targetId, MAX_EMBEDDINGS_PER_PROFILE, MAX_PHOTO_EMBEDDINGS);
        await events.addNegatives(wrong, targetId, eventId, event.embeddings);
        await events.trimNegatives(wrong, MAX_NEGATIVES_PER_PROFILE);
        await tx.corrections.addApart(wrong, targetId);
      });
    } catch (error) {
      if (newCrop) await this.deps.store.delete(newCrop).catch(() => undefined);
      throw error;
    }
    this.deps.log.info('camera face corrected', {
      event: eventId,
      notProfile: wrong,
      to: targetId,
      created: to === undefined,
    });
    return {
      event: await this.deps.analytics.corrected(eventId),
      profile: { ...(await this.deps.profiles.get(targetId)), created: to === undefined },
    };
  }
}

async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
