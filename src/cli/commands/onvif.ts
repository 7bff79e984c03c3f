/**
 * `kadr onvif discover|device|add`: ONVIF through a running kadr server's HTTP API (docs/onvif.md).
 * Discovery runs on the server, so it finds the devices of the server's network, not this machine's.
 */
import { loadConfig } from '../../config/index.js';
import { KadrError } from '../../core/errors.js';
import { apiClient } from '../api-client.js';
import { flag, stringOption, type Command, type ParsedArgs } from '../command.js';
import { toJson } from '../output.js';

interface DeviceJson {
  endpoint: string;
  types: string[];
  onvif: boolean;
  scopes: string[];
  xaddrs: string[];
  from: string;
}

interface ProfileJson {
  token: string;
  name: string;
  encoding: string | null;
  width: number | null;
  height: number | null;
  frameRateLimit: number | null;
  streamUri: string | null;
  snapshotUri: string | null;
}

interface InfoJson {
  manufacturer: string;
  model: string;
  firmwareVersion: string;
  serialNumber: string;
}

const SUBCOMMANDS = ['discover', 'device', 'add'];

const usage = `usage: kadr onvif <subcommand> [options]

  discover                 probe the server's network (WS-Discovery); ONVIF devices first
      [--timeout <ms>] [--interface <address|name>] [--onvif-only]
  device <xaddr>           an ONVIF device: information, profiles, stream and snapshot URIs
      [--user <u>] [--password <p>]
  add <name> <xaddr>       add the device's stream as a camera, in one step
      [--user <u>] [--password <p>] [--profile <token|name>]
      [--transport tcp|udp] [--record] [--on-demand]

  <xaddr>                  the device service URL discovery shows (http://HOST/onvif/device_service)
  --server <url>           the kadr server (default http://127.0.0.1:8080)
  --json                   print the API's JSON instead of a table

Environment: KADR_TOKEN, the server's API token (sent as "Authorization: Bearer").
A password on the command line is visible to other users of this machine (ps).
`;

export const onvifCommand: Command = {
  name: 'onvif',
  usage,
  options: {
    server: { type: 'string' },
    json: { type: 'boolean' },
    timeout: { type: 'string' },
    interface: { type: 'string' },
    'onvif-only': { type: 'boolean' },
    user: { type: 'string' },
    password: { type: 'string' },
    profile: { type: 'string' },
    transport: { type: 'string' },
    record: { type: 'boolean' },
    'on-demand': { type: 'boolean' },
  },
  async run(args, io) {
    const [sub, ...rest] = args.positionals;
    if (sub === undefined || !SUBCOMMANDS.includes(sub)) {
      throw new KadrError(
        'KADR_ERR_USAGE',
        sub === undefined ? 'missing subcommand' : `unknown subcommand '${sub}'`,
        {
          hint: `one of ${SUBCOMMANDS.join(', ')}; see 'kadr onvif --help'`,
        },
      );
    }
    const wanted = sub === 'add' ? 2 : sub === 'device' ? 1 : 0;
    if (rest.length !== wanted) {
      throw new KadrError(
        'KADR_ERR_USAGE',
        `${sub} takes ${wanted === 0 ? 'no' : wanted} argument${wanted === 1 ? '' : 's'}`,
        {
          hint: "see 'kadr onvif --help'",
        },
      );
    }
    const client = apiClient(
      stringOption(args, 'server') ?? 'http://127.0.0.1:8080',
      loadConfig().client.token,
    );
    const json = flag(args, 'json');
    const print = (value: unknown, human: () => string) =>
      io.out.write(json ? `${toJson(value)}\n` : human());

    if (sub === 'discover') {
      const body: Record<string, unknown> = {};
      const timeout = stringOption(args, 'timeout');
      if (timeout !== undefined) body.timeoutMs = integer('--timeout', timeout);
      const bind = stringOption(args, 'interface');
      if (bind !== undefined) body.bind = bind;
      if (flag(args, 'onvif-only')) body.onvifOnly = true;
      const { items } = await client.request<{ items: DeviceJson[] }>('POST', '/api/onvif/discover', body);
      print(items, () => discoveredTable(items));
      return 0;
    }
    if (sub === 'device') {
      const device = await client.request<{ info: InfoJson; profiles: ProfileJson[] }>(
        'POST',
        '/api/onvif/device',
        { xaddr: rest[0]!, ...credentials(args) },
      );
      print(device, () => `${infoLine(device.info)}\n${profilesTable(device.profiles)}`);
      return 0;
    }
    const body: Record<string, unknown> = { name: rest[0]!, xaddr: rest[1]!, ...credentials(args) };
    const profile = stringOption(args, 'profile');
    if (profile !== undefined) body.profile = profile;
    const transport = stringOption(args, 'transport');
    if (transport !== undefined) {
      if (transport !== 'tcp' && transport !== 'udp') {
        throw new KadrError('KADR_ERR_USAGE', `--transport must be tcp or udp, got '${transport}'`);
      }
      body.transport = transport;
    }
    if (flag(args, 'record')) body.record = true;
    if (flag(args, 'on-demand')) body.onDemand = true;
    const added = await client.request<{
      camera: { id: string; name: string; url: string; rtspUrl: string };
      device: { info: InfoJson; profile: ProfileJson };
    }>('POST', '/api/onvif/cameras', body);
    print(added, () =>
      [
        `added camera ${added.camera.name} (${added.camera.id})`,
        `device   ${infoLine(added.device.info)}`,
        `profile  ${added.device.profile.token} (${added.device.profile.name})`,
        `source   ${added.camera.url}`,
        `restream ${added.camera.rtspUrl}`,
        '',
      ].join('\n'),
    );
    return 0;
  },
};

function credentials(args: ParsedArgs): Record<string, string> {
  const out: Record<string, string> = {};
  const user = stringOption(args, 'user');
  const password = stringOption(args, 'password');
  if (user !== undefined) out.user = user;
  if (password !== undefined) out.password = password;
  return out;
}

function integer(name: string, raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n)) {
    throw new KadrError('KADR_ERR_USAGE', `${name} must be a whole number of milliseconds, got '${raw}'`);
  }
  return n;
}

function table(rows: string[][]): string {
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

function discoveredTable(items: DeviceJson[]): string {
  if (items.length === 0) return 'no device answered\n';
  return table([
    ['KIND', 'XADDR', 'FROM', 'ENDPOINT'],
    ...items.map((d) => [d.onvif ? 'onvif' : 'other', d.xaddrs[0] ?? '-', d.from, d.endpoint]),
  ]);
}

function profilesTable(profiles: ProfileJson[]): string {
  if (profiles.length === 0) return 'no media profiles\n';
  return table([
    ['TOKEN', 'NAME', 'ENCODING', 'SIZE', 'FPS', 'STREAM'],
    ...profiles.map((p) => [
      p.token,
      p.name,
      p.encoding ?? '-',
      p.width !== null && p.height !== null ? `${p.width}x${p.height}` : '-',
      p.frameRateLimit === null ? '-' : String(p.frameRateLimit),
      p.streamUri ?? '-',
    ]),
  ]);
}

function infoLine(i: InfoJson): string {
  return `${i.manufacturer} ${i.model}, firmware ${i.firmwareVersion}, serial ${i.serialNumber}`;
}
