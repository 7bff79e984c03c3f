/**
 * The operator's corrections of an appearance (docs/profiles.md, "Corrections"), each one transaction
 * under the profiles lock:
 * - split: what a profile's appearance in a video shows from a moment on is someone else (a cut the
 *   tracker missed); that part, with the faces seen in it, goes to another profile or a new one;
 * - "this is not X": the whole appearance and the video's faces go to another profile or a new one.
 * Either way the two profiles are stored as two people, and grouping never joins them again
 * (separateApart). The profile's picture goes along when it was taken in the part that moves.
 */
import { randomUUID } from 'node:crypto';
import { KadrError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { NewAppearance, ProfileRow, ProfilesRepository } from '../../db/index.js';
import type { ObjectStore } from '../../storage/index.js';
import type { ProfileDto } from './profile.dto.js';
import {
  MAX_EMBEDDINGS_PER_PROFILE,
  MAX_PHOTO_EMBEDDINGS,
  type ProfilesService,
} from './profiles.service.js';
import { cutSpans, joinAppearances } from './appearance-parts.js';

export interface ProfileCorrectionsDeps {
  repo: ProfilesRepository;
  store: ObjectStore;
  log: Logger;
  profiles: ProfilesService;
}

export interface CorrectionResult {
  profile: ProfileDto;
  /** The profile that got the part moved out. */
  other: ProfileDto & { created: boolean };
}

const cropKeyOf = (profileId: string) => `profiles/${profileId}/crop.jpg`;

export class ProfileCorrectionsService {
  constructor(private readonly deps: ProfileCorrectionsDeps) {}

  /** Moves what profile `id`'s appearance in the video shows from `atMs` on to `to` (or a new profile). */
  split(id: string, videoId: string, atMs: number, to?: string): Promise<CorrectionResult> {
    return this.move(id, videoId, to, atMs, (a) => {
      if (!(atMs > a.firstMs && atMs <= a.lastMs)) {
        throw new KadrError(
          'KADR_ERR_VALIDATION',
          `atMs ${atMs} does not split the appearance: it runs ${a.firstMs}–${a.lastMs} ms, so atMs must be over ${a.firstMs} and at most ${a.lastMs}`,
          {
            hint: 'give the first ms of the part that shows someone else; to move it all, use not-this-person',
          },
        );
      }
      return cutSpans(a, atMs);
    });
  }

  /** "This is not X": the appearance of profile `id` in the video goes to `to` (or a new profile). */
  notThisPerson(id: string, videoId: string, to?: string): Promise<CorrectionResult> {
    return this.move(id, videoId, to, null, (a) => ({ stay: null, moved: a }));
  }

  private async move(
    id: string,
    videoId: string,
    to: string | undefined,
    fromMs: number | null,
    part: (a: NewAppearance) => { stay: NewAppearance | null; moved: NewAppearance },
  ): Promise<CorrectionResult> {
    if (to === id) {
      throw new KadrError('KADR_ERR_VALIDATION', 'the part cannot go to the profile it is taken from', {
        hint: 'name another profile as "to", or leave "to" out for a new one',
      });
    }
    const targetId = to ?? randomUUID();
    const oldCrops: string[] = [];
    await this.deps.repo.transaction(async (tx) => {
      await tx.lockProfiles();
      const from = await tx.get(id);
      if (!from) throw notFound(id);
      const target = to ? await tx.get(to) : null;
      if (to && !target) throw notFound(to);
      const corrections = tx.corrections;
      const appearance = await corrections.appearance(id, videoId);
      if (!appearance) {
        throw new KadrError('KADR_ERR_NOT_FOUND', `profile ${id} does not appear in video ${videoId}`, {
          hint: `GET /api/profiles/${id} lists the videos it appears in`,
        });
      }
      const { stay, moved } = part(appearance);
      if (!target) await tx.insertProfile(targetId, null, 0);
      const there = await corrections.appearance(targetId, videoId);
      if (stay) await tx.upsertAppearance(stay);
      else await corrections.deleteAppearance(id, videoId);
      await tx.upsertAppearance(
        there ? joinAppearances(there, { ...moved, profileId: targetId }) : { ...moved, profileId: targetId },
      );
      const faces = await corrections.moveVideoFaces(id, targetId, videoId, fromMs);
      await tx.trimEmbeddings(targetId, MAX_EMBEDDINGS_PER_PROFILE, MAX_PHOTO_EMBEDDINGS);
      if (takesCrop(from, videoId, fromMs)) {
        if (!target?.cropKey || target.cropQuality < from.cropQuality) {
          const key = cropKeyOf(targetId);
          await this.deps.store.put(key, await readAll(await this.deps.store.get(from.cropKey!)), {
            contentType: 'image/jpeg',
          });
          await tx.setCrop(targetId, key, from.cropQuality, { videoId, ms: from.cropMs! });
        }
        await tx.setCrop(id, null, 0, null);
        oldCrops.push(from.cropKey!);
      }
      await corrections.addApart(id, targetId);
      await corrections.recountVideoPeople(videoId);
      this.deps.log.info('appearance corrected', {
        profile: id,
        video: videoId,
        to: targetId,
        created: !target,
        fromMs,
        faces,
      });
    });
    for (const key of oldCrops) {
      await this.deps.store
        .delete(key)
        .catch((e: unknown) => this.deps.log.warn('profile crop not deleted', { key, error: String(e) }));
    }
    return {
      profile: await this.deps.profiles.get(id),
      other: { ...(await this.deps.profiles.get(targetId)), created: to === undefined },
    };
  }
}

/** The profile's picture was taken in the part that moves (a face of this video, at or after `fromMs`). */
function takesCrop(p: ProfileRow, videoId: string, fromMs: number | null): boolean {
  return (
    p.cropKey !== null &&
    p.cropVideoId === videoId &&
    p.cropMs !== null &&
    (fromMs === null || p.cropMs >= fromMs)
  );
}

async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function notFound(id: string): KadrError {
  return new KadrError('KADR_ERR_NOT_FOUND', `no profile with id ${id}`);
}
