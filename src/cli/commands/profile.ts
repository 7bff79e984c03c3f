/**
 * `kadr profile add-photo <file>`: makes a people profile from the face in a photo, or adds the photo
 * to a profile (`--to`), through a running kadr server's HTTP API (docs/profiles.md, "From a photo").
 * The server finds the face; a photo with several faces needs `--face` (0 is the largest).
 * `kadr profile split` and `kadr profile not` correct a profile's appearance in a video
 * (docs/profiles.md, "Corrections"); `kadr profile not --event` a camera's face event
 * (docs/live-analytics.md, "Correcting a face").
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '../../config/index.js';
import { KadrError } from '../../core/errors.js';
import { apiClient } from '../api-client.js';
import { flag, stringOption, type Command, type CommandIo, type ParsedArgs } from '../command.js';
import { toJson } from '../output.js';

interface ProfileJson {
  id: string;
  cropUrl: string | null;
  lastName: string | null;
  firstName: string | null;
  middleName: string | null;
}

const usage = `usage: kadr profile add-photo <file> [options]
       kadr profile split <profile id> --video <id> --at <ms> [--to <id>]
       kadr profile not <profile id> --video <id> [--to <id>]
       kadr profile not --event <id> [--to <id>]

  add-photo <file>       make a profile from the face in a JPEG or PNG photo, so that the person
                         is recognised the first time a camera or a video shows them
      [--name <first name>] [--last-name <n>] [--middle-name <n>]
      [--gender female|male|other|unknown] [--birth-date YYYY-MM-DD]
      [--face <i>]       the photo shows several faces: take face i, 0 being the largest
      [--to <id>]        add the photo to this profile instead (one more face to match on)

  split <profile id>     the profile's appearance in --video shows someone else from --at <ms>
                         (ms after the first frame) on: that part goes to --to <id>, or a new profile
  not <profile id>       "this is not this person": the appearance in --video goes to --to <id>, or
                         a new profile
  not --event <id>       the face of a camera's event (type profile) is not the profile it names:
                         the event names --to <id>, or a new profile made from the face, and the
                         camera no longer names the first for that face
                         either way the two profiles are never grouped together again

  --server <url>         the kadr server (default http://127.0.0.1:8080)
  --json                 print the API's JSON instead of a line

Environment: KADR_TOKEN, the server's API token (sent as "Authorization: Bearer").
`;

/** Option → the API's form field (checked by the server as an edit of the profile is). */
const FIELD_OPTIONS: Record<string, string> = {
  name: 'firstName',
  'last-name': 'lastName',
  'middle-name': 'middleName',
  gender: 'gender',
  'birth-date': 'birthDate',
};

export const profileCommand: Command = {
  name: 'profile',
  usage,
  options: {
    server: { type: 'string' },
    json: { type: 'boolean' },
    name: { type: 'string' },
    'last-name': { type: 'string' },
    'middle-name': { type: 'string' },
    gender: { type: 'string' },
    'birth-date': { type: 'string' },
    face: { type: 'string' },
    to: { type: 'string' },
    video: { type: 'string' },
    at: { type: 'string' },
    event: { type: 'string' },
  },
  async run(args, io) {
    const [sub, ...rest] = args.positionals;
    if (sub === 'not' && stringOption(args, 'event') !== undefined) return correctEvent(rest, args, io);
    if (sub === 'split' || sub === 'not') return correct(sub, rest, args, io);
    if (sub !== 'add-photo') {
      throw new KadrError(
        'KADR_ERR_USAGE',
        sub === undefined ? 'missing subcommand' : `unknown subcommand '${sub}'`,
        { hint: "add-photo, split or not; see 'kadr profile --help'" },
      );
    }
    if (rest.length !== 1) {
      throw new KadrError('KADR_ERR_USAGE', 'add-photo takes one file', {
        hint: "see 'kadr profile --help'",
      });
    }
    const file = rest[0]!;
    const face = stringOption(args, 'face');
    if (face !== undefined && !/^\d{1,4}$/.test(face)) {
      throw new KadrError('KADR_ERR_USAGE', `--face must be a face number from 0, got '${face}'`);
    }
    const to = stringOption(args, 'to');
    const form = new FormData();
    for (const [option, field] of Object.entries(FIELD_OPTIONS)) {
      const value = stringOption(args, option);
      if (value === undefined) continue;
      if (to !== undefined) {
        throw new KadrError('KADR_ERR_USAGE', `--${option} does not go with --to`, {
          hint: 'edit an existing profile with PATCH /api/profiles/<id>',
        });
      }
      form.append(field, value);
    }
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (error) {
      const code = (error as { code?: string }).code;
      throw new KadrError(
        code === 'ENOENT' ? 'KADR_ERR_INPUT_NOT_FOUND' : 'KADR_ERR_INPUT_UNREADABLE',
        `cannot read ${file}: ${(error as Error).message}`,
      );
    }
    form.append('photo', new Blob([bytes]), path.basename(file));
    const api = apiClient(stringOption(args, 'server') ?? 'http://127.0.0.1:8080', loadConfig().client.token);
    const query = face === undefined ? '' : `?face=${face}`;
    const target =
      to === undefined ? '/api/profiles/from-photo' : `/api/profiles/${encodeURIComponent(to)}/photos`;
    const profile = await api.request<ProfileJson>('POST', `${target}${query}`, form);
    const name = [profile.firstName, profile.middleName, profile.lastName].filter(Boolean).join(' ');
    io.out.write(
      flag(args, 'json')
        ? `${toJson(profile)}\n`
        : `${to === undefined ? 'created' : 'updated'} profile ${profile.id}${name ? ` (${name})` : ''}\n`,
    );
    return 0;
  },
};

interface CorrectionJson {
  profile: ProfileJson;
  other: ProfileJson & { created: boolean };
}

/** `split` and `not`: one POST to the appearance's correction; the server checks the ids and the time. */
async function correct(
  sub: 'split' | 'not',
  rest: string[],
  args: ParsedArgs,
  io: CommandIo,
): Promise<number> {
  if (rest.length !== 1) {
    throw new KadrError('KADR_ERR_USAGE', `${sub} takes one profile id`, {
      hint: "see 'kadr profile --help'",
    });
  }
  const video = stringOption(args, 'video');
  if (video === undefined) {
    throw new KadrError('KADR_ERR_USAGE', `${sub} needs --video <id>: the video of the appearance`);
  }
  const at = stringOption(args, 'at');
  if (sub === 'split' && (at === undefined || !/^\d{1,12}$/.test(at))) {
    throw new KadrError('KADR_ERR_USAGE', `split needs --at <ms>, a whole number of ms, got '${at ?? ''}'`, {
      hint: 'the first ms (after the first frame) that shows someone else',
    });
  }
  if (sub === 'not' && at !== undefined) {
    throw new KadrError('KADR_ERR_USAGE', '--at goes with split, not with not');
  }
  const to = stringOption(args, 'to');
  const body = { ...(sub === 'split' ? { atMs: Number(at) } : {}), ...(to !== undefined ? { to } : {}) };
  const api = apiClient(stringOption(args, 'server') ?? 'http://127.0.0.1:8080', loadConfig().client.token);
  const route = sub === 'split' ? 'split' : 'not-this-person';
  const result = await api.request<CorrectionJson>(
    'POST',
    `/api/profiles/${encodeURIComponent(rest[0]!)}/videos/${encodeURIComponent(video)}/${route}`,
    body,
  );
  io.out.write(
    flag(args, 'json')
      ? `${toJson(result)}\n`
      : `moved to ${result.other.created ? 'new ' : ''}profile ${result.other.id}\n`,
  );
  return 0;
}

interface EventCorrectionJson {
  event: { id: string; profileId: string };
  profile: ProfileJson & { created: boolean };
}

/** `not --event`: one POST to the event's correction; the server checks the event and the ids. */
async function correctEvent(rest: string[], args: ParsedArgs, io: CommandIo): Promise<number> {
  if (rest.length !== 0) {
    throw new KadrError('KADR_ERR_USAGE', 'not --event takes no profile id: the event names it', {
      hint: 'kadr profile not --event <event id> [--to <profile id>]',
    });
  }
  for (const other of ['video', 'at']) {
    if (stringOption(args, other) !== undefined) {
      throw new KadrError('KADR_ERR_USAGE', `--${other} does not go with --event`);
    }
  }
  const event = stringOption(args, 'event')!;
  const to = stringOption(args, 'to');
  const api = apiClient(stringOption(args, 'server') ?? 'http://127.0.0.1:8080', loadConfig().client.token);
  const result = await api.request<EventCorrectionJson>(
    'POST',
    `/api/events/${encodeURIComponent(event)}/not-this-person`,
    to !== undefined ? { to } : {},
  );
  io.out.write(
    flag(args, 'json')
      ? `${toJson(result)}\n`
      : `event ${result.event.id} now names ${result.profile.created ? 'new ' : ''}profile ${result.profile.id}\n`,
  );
  return 0;
}
