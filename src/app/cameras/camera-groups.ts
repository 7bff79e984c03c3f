/**
 * Camera groups (docs/cameras.md, "Groups and triggers"): cameras that record together, named once,
 * so that one trigger reaches all of them. A group lists its cameras in the order given; a camera may
 * be in several groups; removing a camera removes it from its groups.
 */
import { KadrError } from '../../core/errors.js';
import type { CameraGroupRow, CameraGroupsRepository } from '../../db/index.js';
import { checkName } from './camera-fields.js';

/** The most cameras one group may hold. */
export const MAX_GROUP_CAMERAS = 64;

export interface CameraGroupDto {
  id: string;
  name: string;
  cameras: string[];
  createdAt: string;
  updatedAt: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const notFound = (id: string) => new KadrError('KADR_ERR_NOT_FOUND', `no camera group with id ${id}`);

export class CameraGroups {
  constructor(private readonly repo: CameraGroupsRepository) {}

  async list(): Promise<CameraGroupDto[]> {
    return (await this.repo.list()).map(dto);
  }

  async get(id: string): Promise<CameraGroupDto> {
    return dto(await this.row(id));
  }

  async row(id: string): Promise<CameraGroupRow> {
    const row = await this.repo.get(id);
    if (!row) throw notFound(id);
    return row;
  }

  async create(input: { name: string; cameras: string[] }): Promise<CameraGroupDto> {
    return dto(await this.write(undefined, checkName(input.name), checkCameras(input.cameras)));
  }

  async update(id: string, patch: { name?: string | undefined; cameras?: string[] | undefined }) {
    const name = patch.name === undefined ? undefined : checkName(patch.name);
    const cameras = patch.cameras === undefined ? undefined : checkCameras(patch.cameras);
    return dto(await this.write(id, name, cameras));
  }

  async remove(id: string): Promise<void> {
    if (!(await this.repo.remove(id))) throw notFound(id);
  }

  private async write(id: string | undefined, name: string | undefined, cameraIds: string[] | undefined) {
    const saved = await this.repo.save({
      ...(id === undefined ? {} : { id }),
      ...(name === undefined ? {} : { name }),
      ...(cameraIds === undefined ? {} : { cameraIds }),
    });
    if (saved === undefined) throw notFound(id!);
    if (saved === 'duplicate') {
      throw new KadrError('KADR_ERR_CONFLICT', `a camera group named '${name}' already exists`, {
        hint: 'choose another name, or change the existing group with PATCH',
      });
    }
    if (saved === 'unknown-camera') {
      throw new KadrError('KADR_ERR_NOT_FOUND', 'a camera of the group does not exist', {
        hint: 'GET /api/cameras lists the cameras and their ids',
      });
    }
    return saved;
  }
}

function checkCameras(ids: string[]): string[] {
  if (ids.length === 0 || ids.length > MAX_GROUP_CAMERAS) {
    throw new KadrError('KADR_ERR_VALIDATION', `a group holds 1 to ${MAX_GROUP_CAMERAS} cameras`);
  }
  const bad = ids.find((id) => !UUID.test(id));
  if (bad !== undefined) {
    throw new KadrError('KADR_ERR_VALIDATION', `'${bad.slice(0, 64)}' is not a camera id`, {
      hint: 'cameras are named by their ids (GET /api/cameras)',
    });
  }
  const unique = [...new Set(ids.map((id) => id.toLowerCase()))];
  if (unique.length !== ids.length) throw new KadrError('KADR_ERR_VALIDATION', 'a camera is listed twice');
  return unique;
}

function dto(r: CameraGroupRow): CameraGroupDto {
  return {
    id: r.id,
    name: r.name,
    cameras: r.cameraIds,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}
