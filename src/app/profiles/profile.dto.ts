/** What clients see of a profile: personal data, the crop's URL and where the person appears. */
import type { AppearanceRow, ProfileGender, ProfileRow } from '../../db/index.js';

export interface ProfileVideoDto {
  id: string;
  name: string;
  /** API URL of the video. */
  link: string;
  /** First and last moment the person is on screen, ms after the video's first frame. */
  firstMs: number;
  lastMs: number;
  /** Every stretch on screen (the person may leave and come back). */
  spans: { firstMs: number; lastMs: number }[];
  /**
   * Frame (0-based, presentation order) of the best face in this video; null for the part of a split
   * appearance that did not hold it.
   */
  cropFrameIndex: number | null;
}

export interface ProfileDto {
  id: string;
  cropUrl: string | null;
  lastName: string | null;
  firstName: string | null;
  middleName: string | null;
  gender: ProfileGender | null;
  birthDate: string | null;
  videos: ProfileVideoDto[];
  /** Profiles the operator said are someone else ("this is not X", a split): never grouped with this one. */
  apartFrom: string[];
  createdAt: string;
  updatedAt: string;
}

export const profileLink = (id: string) => `/api/profiles/${id}`;
export const videoLink = (id: string) => `/api/videos/${id}`;

export function toProfileDto(
  p: ProfileRow,
  appearances: AppearanceRow[],
  apartFrom: string[] = [],
): ProfileDto {
  return {
    id: p.id,
    cropUrl: p.cropKey ? `${profileLink(p.id)}/crop` : null,
    lastName: p.lastName,
    firstName: p.firstName,
    middleName: p.middleName,
    gender: p.gender,
    birthDate: p.birthDate,
    videos: appearances.map((a) => ({
      id: a.videoId,
      name: a.videoName,
      link: videoLink(a.videoId),
      firstMs: a.firstMs,
      lastMs: a.lastMs,
      spans: a.spans,
      cropFrameIndex: a.cropFrameIndex,
    })),
    apartFrom,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}
