/**
 * Profile use cases: list (keyset pages), get, crop image, edit personal data (validated, all or
 * nothing), delete (with the crop), and turning a video's people into profiles: each person found
 * in the video joins the nearest known profile under the same-person distance, or becomes a new
 * one. Re-processing a video replaces what that video contributed, so nothing doubles.
 */
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  matchProfile,
  separateApart,
  type PeopleResult,
  type PersonPiece,
  type VideoPerson,
} from '../../analytics/index.js';
import { KadrError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { AppearanceRow, ProfileRow, ProfilesRepository } from '../../db/index.js';
import type { ObjectStore } from '../../storage/index.js';
import { profileLink, toProfileDto, type ProfileDto } from './profile.dto.js';
import { validateProfilePatch } from './profile-fields.js';

export interface ProfilePage {
  items: ProfileDto[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export type ProfileUpdate = { ok: true; profile: ProfileDto } | { ok: false; fields: Record<string, string> };

export interface VideoPeople {
  /** Distinct people found in the video (null until profiles were built for it). */
  peopleCount: number | null;
  profiles: { id: string; link: string; firstMs: number; lastMs: number }[];
}

export interface ProfilesServiceDeps {
  repo: ProfilesRepository;
  store: ObjectStore;
  log: Logger;
  /** Embedding distance under which a person joins a known profile (default 0.6). */
  sameDistance: number;
}

export const MAX_PAGE = 100;
/** Newest embeddings kept per profile: 8 videos' worth at 8 faces per person and video. */
export const MAX_EMBEDDINGS_PER_PROFILE = 64;
/** Photo embeddings kept per profile (the newest), apart from the video ones. */
export const MAX_PHOTO_EMBEDDINGS = 16;
const cropKeyOf = (profileId: string) => `profiles/${profileId}/crop.jpg`;

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Cursors are opaque to clients: base64url of the last row's seq. */
export function encodeCursor(seq: string): string {
  return Buffer.from(`s${seq}`).toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const raw = Buffer.from(cursor, 'base64url').toString();
  // Node decodes base64 leniently (stray characters are skipped): only the exact encoding counts.
  if (!/^s\d{1,18}$/.test(raw) || encodeCursor(raw.slice(1)) !== cursor) {
    throw new KadrError('KADR_ERR_VALIDATION', 'the cursor is not one this server gave out', {
      hint: 'pass nextCursor from the previous page unchanged',
    });
  }
  return raw.slice(1);
}

export class ProfilesService {
  constructor(private readonly deps: ProfilesServiceDeps) {}

  async list(q: { limit: number; cursor?: string | undefined }): Promise<ProfilePage> {
    if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > MAX_PAGE) {
      throw new KadrError('KADR_ERR_VALIDATION', `limit must be 1–${MAX_PAGE}, got ${q.limit}`);
    }
    const before = q.cursor ? decodeCursor(q.cursor) : null;
    const page = await this.deps.repo.page(q.limit, before);
    const items = await this.withAppearances(page.items);
    const last = page.items.at(-1);
    return { items, nextCursor: page.hasMore && last ? encodeCursor(last.seq) : null };
  }

  async get(id: string): Promise<ProfileDto> {
    const [dto] = await this.withAppearances([await this.row(id)]);
    return dto!;
  }

  async crop(id: string): Promise<Readable> {
    const row = await this.row(id);
    if (!row.cropKey) throw new KadrError('KADR_ERR_NOT_FOUND', `profile ${id} has no crop`);
    return this.deps.store.get(row.cropKey);
  }

  /** Validates the whole body first; saves only when every field is valid, in one UPDATE. */
  async update(id: string, body: unknown, now = new Date()): Promise<ProfileUpdate> {
    const checked = validateProfilePatch(body, now);
    if (!checked.ok) {
      await this.row(id); // an unknown profile is a 404, whatever the body
      return checked;
    }
    const row = await this.deps.repo.update(id, checked.patch);
    if (!row) throw notFound(id);
    return { ok: true, profile: (await this.withAppearances([row]))[0]! };
  }

  async remove(id: string): Promise<void> {
    const row = await this.deps.repo.delete(id);
    if (!row) throw notFound(id);
    if (row.cropKey) await this.deleteObjects([row.cropKey]);
  }

  /**
   * Merges profile `otherId` into `id` (two profiles found to be one person): the other's faces,
   * appearances and events move to this one, personal data this one lacks is taken from the other, the
   * better crop stays, and the other profile is deleted.
   */
  async merge(id: string, otherId: string): Promise<ProfileDto> {
    if (id === otherId) {
      throw new KadrError('KADR_ERR_VALIDATION', 'a profile cannot be merged into itself', {
        hint: 'give the id of another profile as "other"',
      });
    }
    const orphanKeys: string[] = [];
    await this.deps.repo.transaction(async (tx) => {
      await tx.lockProfiles();
      const target = await tx.get(id);
      if (!target) throw notFound(id);
      const other = await tx.get(otherId);
      if (!other) throw notFound(otherId);
      if (other.cropKey && (other.cropQuality > target.cropQuality || !target.cropKey)) {
        const key = cropKeyOf(id);
        await this.deps.store.put(key, await readAll(await this.deps.store.get(other.cropKey)), {
          contentType: 'image/jpeg',
        });
        await tx.setCrop(id, key, other.cropQuality);
      }
      await tx.mergeInto(id, otherId);
      await tx.trimEmbeddings(id, MAX_EMBEDDINGS_PER_PROFILE, MAX_PHOTO_EMBEDDINGS);
      await tx.delete(otherId);
      if (other.cropKey) orphanKeys.push(other.cropKey);
    });
    await this.deleteObjects(orphanKeys);
    this.deps.log.info('profiles merged', { profile: id, merged: otherId });
    return this.get(id);
  }

  async peopleOfVideo(videoId: string): Promise<VideoPeople> {
    const info = await this.deps.repo.videoPeopleCount(videoId);
    const rows = await this.deps.repo.profilesInVideo(videoId);
    return {
      peopleCount: info?.peopleCount ?? null,
      profiles: rows.map((r) => ({
        id: r.profileId,
        link: profileLink(r.profileId),
        firstMs: r.firstMs,
        lastMs: r.lastMs,
      })),
    };
  }

  enableAutoProfiles(videoIds: string[]): Promise<void> {
    return this.deps.repo.setAutoProfiles(videoIds, true);
  }

  async autoProfilesWanted(videoId: string): Promise<boolean> {
    return (await this.deps.repo.videoPeopleCount(videoId))?.autoProfiles ?? false;
  }

  /**
   * Stores a video's people as profiles, in one transaction under the profiles lock (two videos
   * finishing at once with the same new person must not both create it). Returns the profile ids,
   * one per person found (two people of the video may join the same profile).
   */
  async saveVideoPeople(videoId: string, result: PeopleResult): Promise<string[]> {
    const orphanKeys: string[] = [];
    const ids = await this.deps.repo.transaction(async (tx) => {
      await tx.lockProfiles();
      if (!(await tx.lockVideo(videoId))) return null; // deleted meanwhile: nothing to attach to
      // With their negatives: a face the operator said is not X never joins X here either.
      const known = (await tx.embeddings()).map((p) => ({
        id: p.id,
        embeddings: p.embeddings,
        negatives: p.negatives,
      }));
      const pairs = new Set((await tx.corrections.apartPairs()).map(([a, b]) => `${a} ${b}`));
      const apart = (a: string, b: string) => pairs.has(a < b ? `${a} ${b}` : `${b} ${a}`);
      // A person whose faces fall on two profiles the operator told apart is cut into one piece per
      // profile before matching: grouping never joins those two again (docs/profiles.md, "Corrections").
      const people = result.people.flatMap((person) => {
        const pieces = pairs.size > 0 ? separateApart(person, known, apart, this.deps.sameDistance) : null;
        return pieces ? pieces.map((piece) => pieceOf(person, piece)) : [person];
      });
      // Matched against everything known, this video's earlier run included: re-processing finds
      // the same profiles, then what the earlier run stored is replaced. Not against the profiles this
      // video's own people create here: clustering already found those people different, and matching
      // them again merged two people of one video into one profile (docs/analytics-evaluation.md).
      const resolved: { person: VideoPiece; profileId: string; isNew: boolean }[] = [];
      for (const person of people) {
        const match = matchProfile(person.embeddings, known, this.deps.sameDistance);
        const profileId = match?.profileId ?? randomUUID();
        resolved.push({ person, profileId, isNew: !match });
      }
      await tx.clearVideo(videoId);
      const byProfile = new Map<string, VideoPiece[]>();
      for (const r of resolved) byProfile.set(r.profileId, [...(byProfile.get(r.profileId) ?? []), r.person]);
      for (const [profileId, people] of byProfile) {
        const withCrop = people.filter((p) => p.crop !== null);
        const best =
          withCrop.length > 0 ? withCrop.reduce((a, b) => (b.cropQuality > a.cropQuality ? b : a)) : null;
        const isNew = resolved.find((r) => r.profileId === profileId)!.isNew;
        const key = cropKeyOf(profileId);
        const source = best ? { videoId, ms: best.cropMs! } : null;
        if (isNew) {
          if (best) await this.deps.store.put(key, best.crop!, { contentType: 'image/jpeg' });
          await tx.insertProfile(profileId, best ? key : null, best?.cropQuality ?? 0, source);
        } else if (best) {
          const current = await tx.get(profileId);
          if (current && (best.cropQuality > current.cropQuality || !current.cropKey)) {
            await this.deps.store.put(key, best.crop!, { contentType: 'image/jpeg' });
            await tx.setCrop(profileId, key, best.cropQuality, source);
          }
        }
        await tx.addEmbeddings(
          profileId,
          videoId,
          people.flatMap((p) => p.embeddings),
          people.flatMap((p) => p.embeddingMs),
        );
        await tx.trimEmbeddings(profileId, MAX_EMBEDDINGS_PER_PROFILE, MAX_PHOTO_EMBEDDINGS);
        const spans = people
          .flatMap((p) => p.appearances)
          .sort((a, b) => a.firstMs - b.firstMs)
          .map((a) => ({ firstMs: a.firstMs, lastMs: a.lastMs }));
        await tx.upsertAppearance({
          profileId,
          videoId,
          firstMs: Math.min(...spans.map((s) => s.firstMs)),
          lastMs: Math.max(...spans.map((s) => s.lastMs)),
          frames: people.reduce((n, p) => n + p.appearances.reduce((m, a) => m + a.frames, 0), 0),
          cropFrameIndex: best?.cropFrameIndex ?? null,
          cropMs: best?.cropMs ?? null,
          spans,
        });
      }
      await tx.setVideoPeople(videoId, byProfile.size);
      orphanKeys.push(...(await tx.deleteOrphans()));
      return resolved.map((r) => r.profileId);
    });
    await this.deleteObjects(orphanKeys);
    if (!ids) {
      this.deps.log.info('video gone before its people were saved', { video: videoId });
      return [];
    }
    this.deps.log.info('video people saved', {
      video: videoId,
      people: ids.length,
      profiles: new Set(ids).size,
    });
    return ids;
  }

  /** After a video was deleted: profiles nobody appears in any more (and nobody filled in) go too. */
  async removeOrphans(): Promise<number> {
    const keys = await this.deps.repo.transaction(async (tx) => {
      await tx.lockProfiles();
      return tx.deleteOrphans();
    });
    await this.deleteObjects(keys);
    return keys.length;
  }

  private async deleteObjects(keys: string[]): Promise<void> {
    for (const key of keys) {
      await this.deps.store
        .delete(key)
        .catch((e: unknown) => this.deps.log.warn('profile crop not deleted', { key, error: String(e) }));
    }
  }

  private async row(id: string): Promise<ProfileRow> {
    const row = await this.deps.repo.get(id);
    if (!row) throw notFound(id);
    return row;
  }

  private async withAppearances(rows: ProfileRow[]): Promise<ProfileDto[]> {
    const ids = rows.map((r) => r.id);
    const appearances = await this.deps.repo.appearancesOf(ids);
    const apart = await this.deps.repo.corrections.apartOf(ids);
    const byProfile = new Map<string, AppearanceRow[]>();
    for (const a of appearances) byProfile.set(a.profileId, [...(byProfile.get(a.profileId) ?? []), a]);
    return rows.map((r) => toProfileDto(r, byProfile.get(r.id) ?? [], apart.get(r.id) ?? []));
  }
}

/** A person of a video, or a piece of one (separateApart): a piece without the best face has no crop. */
type VideoPiece = Omit<VideoPerson, 'crop' | 'cropFrameIndex' | 'cropMs'> & {
  crop: Buffer | null;
  cropFrameIndex: number | null;
  cropMs: number | null;
};

function pieceOf(person: VideoPerson, piece: PersonPiece): VideoPiece {
  const appearances = piece.appearances.map((i) => person.appearances[i]!);
  const holdsCrop = appearances.some((a) => person.cropMs >= a.firstMs && person.cropMs <= a.lastMs);
  return {
    ...person,
    embeddings: piece.embeddings.map((k) => person.embeddings[k]!),
    embeddingMs: piece.embeddings.map((k) => person.embeddingMs[k]!),
    appearances,
    trackIds: piece.appearances.map((i) => person.trackIds[i]!),
    crop: holdsCrop ? person.crop : null,
    cropFrameIndex: holdsCrop ? person.cropFrameIndex : null,
    cropMs: holdsCrop ? person.cropMs : null,
  };
}

function notFound(id: string): KadrError {
  return new KadrError('KADR_ERR_NOT_FOUND', `no profile with id ${id}`);
}
