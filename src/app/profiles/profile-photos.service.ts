/**
 * Profiles from photos (docs/profiles.md, "From a photo"): a known person is recognised the first time a
 * camera or a video shows them, because their profile already holds the embedding of their face. A photo
 * gives one face: the only one of at least 24 px, or the one the caller picks (largest first). Its
 * embedding is stored as a photo embedding (kept by trimming and the orphan rule), and its crop becomes
 * the profile's picture unless another photo already gave one: a picture someone chose is not replaced
 * by a video's face.
 */
import { randomUUID } from 'node:crypto';
import { KadrError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { ProfilesRepository } from '../../db/index.js';
import type { ObjectStore } from '../../storage/index.js';
import type { PhotoFaceReading } from './photo-faces.runner.js';
import type { ProfileDto } from './profile.dto.js';
import { validateProfilePatch, type ProfilePatch } from './profile-fields.js';
import {
  MAX_EMBEDDINGS_PER_PROFILE,
  MAX_PHOTO_EMBEDDINGS,
  type ProfilesService,
} from './profiles.service.js';

export interface ProfilePhotosDeps {
  repo: ProfilesRepository;
  store: ObjectStore;
  log: Logger;
  profiles: ProfilesService;
  /** Reads the face of a photo out of this process (photo-faces.runner.ts). */
  faces: PhotoFaceReading;
}

export type PhotoProfileResult =
  { ok: true; profile: ProfileDto } | { ok: false; fields: Record<string, string> };

/** Above any video face's quality (faceQuality is at most 1): a photo's crop stays the picture. */
export const PHOTO_CROP_QUALITY = 2;
const cropKeyOf = (profileId: string) => `profiles/${profileId}/crop.jpg`;

export class ProfilePhotosService {
  constructor(private readonly deps: ProfilePhotosDeps) {}

  close(): Promise<void> {
    return this.deps.faces.close();
  }

  /**
   * A new profile from the face in `photo`, with the personal data in `fields` (checked as a PATCH is,
   * before the photo is looked at). `face` picks one of several faces, 0 being the largest.
   */
  async create(photo: Buffer, fields: Record<string, string>, face?: number): Promise<PhotoProfileResult> {
    let patch: ProfilePatch = {};
    if (Object.keys(fields).length > 0) {
      const checked = validateProfilePatch(fields);
      if (!checked.ok) return checked;
      patch = checked.patch;
    }
    const chosen = await this.faceOf(photo, face);
    const id = randomUUID();
    const key = cropKeyOf(id);
    await this.deps.store.put(key, chosen.crop, { contentType: 'image/jpeg' });
    try {
      await this.deps.repo.transaction(async (tx) => {
        await tx.lockProfiles();
        await tx.insertProfile(id, key, PHOTO_CROP_QUALITY);
        if (Object.keys(patch).length > 0) await tx.update(id, patch);
        await tx.addPhotoEmbedding(id, chosen.embedding);
      });
    } catch (error) {
      await this.deps.store.delete(key).catch(() => undefined);
      throw error;
    }
    this.deps.log.info('profile made from a photo', { profile: id, faceSize: chosen.size });
    return { ok: true, profile: await this.deps.profiles.get(id) };
  }

  /** Adds the face in `photo` to a profile: one more embedding to match on. */
  async add(profileId: string, photo: Buffer, face?: number): Promise<ProfileDto> {
    await this.deps.profiles.get(profileId); // 404 before the photo is looked at
    const chosen = await this.faceOf(photo, face);
    const key = cropKeyOf(profileId);
    await this.deps.repo.transaction(async (tx) => {
      await tx.lockProfiles();
      const row = await tx.get(profileId);
      if (!row) throw new KadrError('KADR_ERR_NOT_FOUND', `no profile with id ${profileId}`);
      if (row.cropQuality < PHOTO_CROP_QUALITY || !row.cropKey) {
        await this.deps.store.put(key, chosen.crop, { contentType: 'image/jpeg' });
        await tx.setCrop(profileId, key, PHOTO_CROP_QUALITY);
      }
      await tx.addPhotoEmbedding(profileId, chosen.embedding);
      await tx.trimEmbeddings(profileId, MAX_EMBEDDINGS_PER_PROFILE, MAX_PHOTO_EMBEDDINGS);
    });
    return this.deps.profiles.get(profileId);
  }

  /** The chosen face's embedding and crop; the refusals say what the photo shows. */
  private faceOf(photo: Buffer, index: number | undefined) {
    return this.deps.faces.faceOf(photo, index);
  }
}
