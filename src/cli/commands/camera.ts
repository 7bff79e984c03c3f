/**
 * `kadr camera add|list|show|rm|record-start|record-stop|analytics|analytics-off|group`: the camera registry of a running kadr
 * server, over its HTTP API (docs/cameras.md). A camera is named by its id or by its name.
 */
import { loadConfig } from '../../config/index.js';
import { KadrError } from '../../core/errors.js';
import { apiClient, type ApiClient } from '../api-client.js';
import { flag, stringOption, type Command, type ParsedArgs } from '../command.js';
import { toJson } from '../output.js';
import { cameraGroup, groupUsage } from './camera-group.js';

interface CameraJson {
  id: string;
  name: string;
  url: string;
  hasCredentials: boolean;
  transport: string;
  onDemand: boolean;
  recording: boolean;
  retention: { maxAgeHours: number | null; maxBytes: number | null };
  state: string;
  lastError: string | null;
  health: Record<string, unknown>;
  rtspUrl: string;
  analytics: { detect: string[]; fps: number; framesAnalysed: number; framesSkipped: number } | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SUBCOMMANDS = [
  'add',
  'list',
  'show',
  'rm',
  'record-start',
  'record-stop',
  'analytics',
  'analytics-off',
  'group',
];

const usage = `usage: kadr camera <subcommand> [options]

  add <name> <url>       add a camera (url: rtsp:// or rtsps://, credentials in it or with --user)
      [--transport tcp|udp] [--record] [--on-demand] [--user <u>] [--password <p>]
      [--max-age-hours <h>] [--max-bytes <n>]
  list                   every camera: name, state, recording, restream URL
  show <id|name>         one camera with its health
  rm <id|name>           remove a camera
  record-start <id|name> switch recording on
  record-stop <id|name>  switch recording off
  analytics <id|name>    attach live analytics, or change them (docs/live-analytics.md)
      --detect <list>    comma-separated: faces, persons, objects, or COCO classes (car, dog, ...)
      [--fps <n>]        frames analysed a second (default 5)
  analytics-off <id|name> detach the live analytics
${groupUsage}

  --server <url>         the kadr server (default http://127.0.0.1:8080)
  --json                 print the API's JSON instead of a table

Environment: KADR_TOKEN, the server's API token (sent as "Authorization: Bearer").
A password on the command line is visible to other users of this machine (ps); prefer a
URL read from a file you control, e.g. "$(cat cam.url)".
`;

export const cameraCommand: Command = {
  name: 'camera',
  usage,
  options: {
    server: { type: 'string' },
    json: { type: 'boolean' },
    transport: { type: 'string' },
    record: { type: 'boolean' },
    'on-demand': { type: 'boolean' },
    user: { type: 'string' },
    password: { type: 'string' },
    'max-age-hours': { type: 'string' },
    'max-bytes': { type: 'string' },
    at: { type: 'string' },
    duration: { type: 'string' },
    'pre-roll': { type: 'string' },
    detect: { type: 'string' },
    fps: { type: 'string' },
  },
  async run(args, io) {
    const [sub, ...rest] = args.positionals;
    if (sub === undefined || !SUBCOMMANDS.includes(sub)) {
      throw new KadrError(
        'KADR_ERR_USAGE',
        sub === undefined ? 'missing subcommand' : `unknown subcommand '${sub}'`,
        { hint: `one of ${SUBCOMMANDS.join(', ')}; see 'kadr camera --help'` },
      );
    }
    const client = () =>
      apiClient(stringOption(args, 'server') ?? 'http://127.0.0.1:8080', loadConfig().client.token);
    const json = flag(args, 'json');
    const print = (value: unknown, human: () => string) =>
      io.out.write(json ? `${toJson(value)}\n` : human());
    if (sub === 'group') {
      const c = client();
      return cameraGroup(c, args, rest, (ref) => idOf(c, ref), print);
    }
    const wanted = sub === 'add' ? 2 : sub === 'list' ? 0 : 1;
    if (rest.length !== wanted) {
      throw new KadrError(
        'KADR_ERR_USAGE',
        `${sub} takes ${wanted === 0 ? 'no' : wanted} argument${wanted === 1 ? '' : 's'}`,
        {
          hint: "see 'kadr camera --help'",
        },
      );
    }
    const api = client();
    switch (sub) {
      case 'add': {
        const camera = await api.request<CameraJson>(
          'POST',
          '/api/cameras',
          addBody(rest[0]!, rest[1]!, args),
        );
        print(camera, () => details(camera));
        return 0;
      }
      case 'list': {
        const { items } = await api.request<{ items: CameraJson[] }>('GET', '/api/cameras');
        print(items, () => table(items));
        return 0;
      }
      case 'show': {
        const camera = await api.request<CameraJson>('GET', `/api/cameras/${await idOf(api, rest[0]!)}`);
        print(camera, () => details(camera));
        return 0;
      }
      case 'rm': {
        const id = await idOf(api, rest[0]!);
        await api.request('DELETE', `/api/cameras/${id}`);
        print({ id, removed: true }, () => `removed ${rest[0]!}\n`);
        return 0;
      }
      case 'analytics': {
        const detect = stringOption(args, 'detect');
        if (!detect)
          throw new KadrError('KADR_ERR_USAGE', 'analytics needs --detect, e.g. --detect faces,persons');
        const fpsText = stringOption(args, 'fps');
        const fps = fpsText === undefined ? undefined : Number(fpsText);
        if (fps !== undefined && !(fps > 0)) {
          throw new KadrError('KADR_ERR_USAGE', `--fps must be a number above 0, got '${fpsText}'`);
        }
        const camera = await api.request<CameraJson>(
          'PUT',
          `/api/cameras/${await idOf(api, rest[0]!)}/analytics`,
          {
            detect: detect
              .split(',')
              .map((d) => d.trim())
              .filter(Boolean),
            ...(fps !== undefined ? { fps } : {}),
          },
        );
        print(
          camera,
          () =>
            `${camera.name}: analytics ${camera.analytics!.detect.join(', ')} at ${camera.analytics!.fps} fps\n`,
        );
        return 0;
      }
      case 'analytics-off': {
        const id = await idOf(api, rest[0]!);
        await api.request('DELETE', `/api/cameras/${id}/analytics`);
        print({ id, analytics: null }, () => `${rest[0]!}: analytics off\n`);
        return 0;
      }
      default: {
        const action = sub === 'record-start' ? 'start' : 'stop';
        const camera = await api.request<CameraJson>(
          'POST',
          `/api/cameras/${await idOf(api, rest[0]!)}/recording/${action}`,
        );
        print(camera, () => `${camera.name}: recording ${camera.recording ? 'on' : 'off'}\n`);
        return 0;
      }
    }
  },
};

function addBody(name: string, url: string, args: ParsedArgs): Record<string, unknown> {
  const body: Record<string, unknown> = { name, url };
  const transport = stringOption(args, 'transport');
  if (transport !== undefined) {
    if (transport !== 'tcp' && transport !== 'udp') {
      throw new KadrError('KADR_ERR_USAGE', `--transport must be tcp or udp, got '${transport}'`);
    }
    body.transport = transport;
  }
  if (flag(args, 'record')) body.record = true;
  if (flag(args, 'on-demand')) body.onDemand = true;
  const user = stringOption(args, 'user');
  const password = stringOption(args, 'password');
  if (user !== undefined) body.user = user;
  if (password !== undefined) body.password = password;
  const retention: Record<string, number> = {};
  const hours = stringOption(args, 'max-age-hours');
  if (hours !== undefined) retention.maxAgeHours = positiveNumber('--max-age-hours', hours);
  const bytes = stringOption(args, 'max-bytes');
  if (bytes !== undefined) retention.maxBytes = positiveNumber('--max-bytes', bytes);
  if (Object.keys(retention).length > 0) body.retention = retention;
  return body;
}

function positiveNumber(name: string, raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !(n > 0))
    throw new KadrError('KADR_ERR_USAGE', `${name} must be a number above 0, got '${raw}'`);
  return n;
}

/** A UUID as given; a name through the list (names are unique). */
async function idOf(client: ApiClient, ref: string): Promise<string> {
  if (UUID.test(ref)) return ref;
  const { items } = await client.request<{ items: CameraJson[] }>('GET', '/api/cameras');
  const found = items.find((c) => c.name === ref);
  if (!found)
    throw new KadrError('KADR_ERR_NOT_FOUND', `no camera named '${ref}'`, { hint: 'kadr camera list' });
  return found.id;
}

function table(items: CameraJson[]): string {
  if (items.length === 0) return 'no cameras\n';
  const rows = [
    ['NAME', 'STATE', 'RECORDING', 'TRANSPORT', 'RESTREAM', 'ID'],
    ...items.map((c) => [c.name, c.state, c.recording ? 'yes' : 'no', c.transport, c.rtspUrl, c.id]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map(
      (r) =>
        `${r
          .map((v, i) => v.padEnd(widths[i]!))
          .join('  ')
          .trimEnd()}\n`,
    )
    .join('');
}

function details(c: CameraJson): string {
  const retention = [
    c.retention.maxAgeHours !== null ? `${c.retention.maxAgeHours} h` : undefined,
    c.retention.maxBytes !== null ? `${c.retention.maxBytes} bytes` : undefined,
  ].filter(Boolean);
  const lines: [string, string][] = [
    ['id', c.id],
    ['name', c.name],
    ['source', `${c.url}${c.hasCredentials ? ' (with credentials)' : ''}`],
    ['transport', c.transport],
    ['on demand', c.onDemand ? 'yes' : 'no'],
    ['recording', c.recording ? 'yes' : 'no'],
    ['retention', retention.length > 0 ? retention.join(', ') : 'keep everything'],
    ['state', c.lastError ? `${c.state}: ${c.lastError}` : c.state],
    ['restream', c.rtspUrl],
    [
      'analytics',
      c.analytics
        ? `${c.analytics.detect.join(', ')} at ${c.analytics.fps} fps (${c.analytics.framesAnalysed} analysed, ${c.analytics.framesSkipped} skipped)`
        : 'off',
    ],
    ...Object.entries(c.health).map(([k, v]): [string, string] => [k, v === null ? '-' : String(v)]),
  ];
  const width = Math.max(...lines.map(([k]) => k.length));
  return lines.map(([k, v]) => `${k.padEnd(width)}  ${v}\n`).join('');
}
