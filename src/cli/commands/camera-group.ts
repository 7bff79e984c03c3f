/**
 * `kadr camera group add|list|rm|trigger`: camera groups of a running kadr server, over its HTTP API
 * (docs/cameras.md, "Groups and triggers"). Cameras and groups are named by their ids or names.
 */
import { KadrError } from '../../core/errors.js';
import type { ApiClient } from '../api-client.js';
import { stringOption, type ParsedArgs } from '../command.js';

interface GroupJson {
  id: string;
  name: string;
  cameras: string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const GROUP_SUBCOMMANDS = ['add', 'list', 'rm', 'trigger'];

export const groupUsage = `  group add <name> <camera>...   a group of cameras (by id or name) that record together
  group list                     every group with its cameras
  group rm <id|name>             remove a group (its cameras stay)
  group trigger <id|name>        a clip of every camera of the group from one instant
      [--at <ISO time>] [--duration <s>] [--pre-roll <s>]
`;

export async function cameraGroup(
  client: ApiClient,
  args: ParsedArgs,
  rest: string[],
  cameraId: (ref: string) => Promise<string>,
  print: (value: unknown, human: () => string) => void,
): Promise<number> {
  const [sub, ...operands] = rest;
  if (sub === undefined || !GROUP_SUBCOMMANDS.includes(sub)) {
    throw new KadrError(
      'KADR_ERR_USAGE',
      sub === undefined ? 'missing group subcommand' : `unknown group subcommand '${sub}'`,
      {
        hint: `one of ${GROUP_SUBCOMMANDS.join(', ')}; see 'kadr camera --help'`,
      },
    );
  }
  const ok =
    sub === 'add' ? operands.length >= 2 : sub === 'list' ? operands.length === 0 : operands.length === 1;
  if (!ok)
    throw new KadrError('KADR_ERR_USAGE', `wrong arguments for 'group ${sub}'`, {
      hint: "see 'kadr camera --help'",
    });
  switch (sub) {
    case 'add': {
      const cameras = await Promise.all(operands.slice(1).map(cameraId));
      const group = await client.request<GroupJson>('POST', '/api/camera-groups', {
        name: operands[0],
        cameras,
      });
      print(group, () => `added group ${group.name} (${group.cameras.length} cameras) ${group.id}\n`);
      return 0;
    }
    case 'list': {
      const { items } = await client.request<{ items: GroupJson[] }>('GET', '/api/camera-groups');
      print(items, () =>
        items.length === 0
          ? 'no camera groups\n'
          : items.map((g) => `${g.name}  ${g.id}  ${g.cameras.join(',')}\n`).join(''),
      );
      return 0;
    }
    case 'rm': {
      const id = await groupId(client, operands[0]!);
      await client.request('DELETE', `/api/camera-groups/${id}`);
      print({ id, removed: true }, () => `removed group ${operands[0]!}\n`);
      return 0;
    }
    default: {
      const id = await groupId(client, operands[0]!);
      const body: Record<string, unknown> = {};
      const at = stringOption(args, 'at');
      if (at !== undefined) body.at = at;
      const duration = stringOption(args, 'duration');
      if (duration !== undefined) body.durationSeconds = seconds('--duration', duration);
      const preRoll = stringOption(args, 'pre-roll');
      if (preRoll !== undefined) body.preRollSeconds = seconds('--pre-roll', preRoll);
      const trigger = await client.request<{ id: string; at: string }>(
        'POST',
        `/api/camera-groups/${id}/trigger`,
        body,
      );
      print(
        trigger,
        () => `trigger ${trigger.id} at ${trigger.at}; follow it: GET /api/triggers/${trigger.id}\n`,
      );
      return 0;
    }
  }
}

function seconds(name: string, raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !(n >= 0))
    throw new KadrError('KADR_ERR_USAGE', `${name} must be a number of seconds, got '${raw}'`);
  return n;
}

async function groupId(client: ApiClient, ref: string): Promise<string> {
  if (UUID.test(ref)) return ref;
  const { items } = await client.request<{ items: GroupJson[] }>('GET', '/api/camera-groups');
  const found = items.find((g) => g.name === ref);
  if (!found)
    throw new KadrError('KADR_ERR_NOT_FOUND', `no camera group named '${ref}'`, {
      hint: 'kadr camera group list',
    });
  return found.id;
}
