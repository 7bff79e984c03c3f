/**
 * The camera registry's use cases: add, list, show, change, remove, recording on / off, and the
 * Prometheus text of /metrics. Rows live in PostgreSQL (CamerasRepository); credentials are sealed
 * by CameraSecrets before they reach a row and opened only to hand the runtime its URL. The runtime
 * and the recorder are reached through the interfaces in camera-runtime.ts.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { KadrError, describeError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { CameraChanges, CameraPlacement, CameraRow, CamerasRepository } from '../../db/index.js';
import type { CameraAnalyticsDto, CameraDto, CameraRetention } from './camera.dto.js';
import { checkName, checkPassword, checkUser, retentionColumns, validation } from './camera-fields.js';
import {
  IDLE_HEALTH,
  type CameraHealthLike,
  type CameraRecordingControl,
  type CameraRuntime,
  type CameraSpec,
  type PushInput,
} from './camera-runtime.js';
import type { CameraNodes, CameraSnapshot, HandoverReason, OwnedCameras } from './camera-nodes.js';
import type { CameraSecrets, Credentials } from './camera-secrets.js';
import { joinSourceUrl, redactedSourceUrl, splitSourceUrl } from './camera-url.js';

export interface CameraInput {
  name: string;
  url: string;
  transport?: 'tcp' | 'udp' | undefined;
  record?: boolean | undefined;
  onDemand?: boolean | undefined;
  user?: string | undefined;
  password?: string | undefined;
  retention?: Partial<CameraRetention> | undefined;
}

/** Any of the fields; `user: null` removes the credentials; `password` alone changes only it. */
export interface CameraUpdate {
  name?: string | undefined;
  url?: string | undefined;
  transport?: 'tcp' | 'udp' | undefined;
  record?: boolean | undefined;
  onDemand?: boolean | undefined;
  user?: string | null | undefined;
  password?: string | null | undefined;
  retention?: Partial<CameraRetention> | undefined;
}

export interface CamerasServiceOptions {
  repo: CamerasRepository;
  secrets: CameraSecrets;
  log: Logger;
  /** Where kadr's RTSP server listens, for each camera's rtspUrl. */
  rtsp: { host: string; port: number };
}

const notFound = (id: string) => new KadrError('KADR_ERR_NOT_FOUND', `no camera with id ${id}`);
const pushAlwaysRecords = () =>
  new KadrError('KADR_ERR_CONFLICT', "a push camera's sessions are always recorded", {
    hint: 'each WHIP or JPEG ingest session under its name is one recording; delete what is not wanted, or set a retention',
  });
const duplicate = (name: string) =>
  new KadrError('KADR_ERR_CONFLICT', `a camera named '${name}' already exists`, {
    hint: 'choose another name, or change the existing camera with PATCH',
  });

/** A camera another node runs, as a live list needs it (liveElsewhere). */
export interface CameraElsewhere {
  name: string;
  httpUrl: string;
  codec: string | null;
  height: number | null;
}

export class CamerasService implements OwnedCameras {
  private readonly repo: CamerasRepository;
  private readonly secrets: CameraSecrets;
  private readonly log: Logger;
  private rtspBase: string;
  private runtime: CameraRuntime | undefined;
  private recording: CameraRecordingControl | undefined;
  /** Cameras the runtime could not be given (credentials that do not decrypt): shown as `failed`. */
  private readonly failures = new Map<string, string>();
  /** Shares the cameras with other nodes; without it this process runs every camera. */
  private nodes: CameraNodes | undefined;
  /** updated_at of the row each owned camera was last started or changed from (ms). */
  private readonly applied = new Map<string, number>();
  /** Push cameras seen (transport 'push'): never given to the recorder (their sessions record). */
  private readonly pushed = new Set<string>();

  constructor(options: CamerasServiceOptions) {
    this.repo = options.repo;
    this.secrets = options.secrets;
    this.log = options.log;
    this.rtspBase = `rtsp://${publicHost(options.rtsp.host)}:${options.rtsp.port}`;
  }

  /** Where the restream really listens (a port 0 in the configuration is chosen at listen). */
  useRtspAddress(host: string, port: number): void {
    this.rtspBase = `rtsp://${publicHost(host)}:${port}`;
  }

  /**
   * Shares the cameras with the other nodes on the database (docs/nodes.md): from now on only the
   * cameras this node holds a lease on go into the runtime and the recorder. Wired before the
   * runtime; the nodes' first heartbeat (CameraNodes.start) then hands this node its share.
   */
  useNodes(nodes: CameraNodes): void {
    this.nodes = nodes;
  }

  /** Wires the live runtime (the composition root does, once) and hands it every camera it owns. */
  async useRuntime(runtime: CameraRuntime): Promise<void> {
    this.runtime = runtime;
    for (const row of await this.repo.list()) if (this.owns(row.id)) await this.publish(row);
  }

  /** Wires the recorder and starts recording the cameras switched on for it (those it owns). */
  async useRecording(control: CameraRecordingControl): Promise<void> {
    this.recording = control;
    for (const row of await this.repo.list()) {
      if (row.record && row.transport !== 'push' && this.owns(row.id)) await this.startRecorder(row.id);
    }
  }

  /**
   * The node that runs the camera of that name when it is another one: its HTTP and RTSP base URLs
   * (clients are redirected there, docs/nodes.md); undefined when it runs here or nowhere.
   */
  async ownerElsewhere(name: string): Promise<{ httpUrl: string; rtspUrl: string } | undefined> {
    const node = await this.nodes?.ownerElsewhere(name);
    return node ? { httpUrl: node.httpUrl, rtspUrl: node.rtspUrl } : undefined;
  }

  /**
   * The cameras that other nodes run (docs/nodes.md), for a live list that names every camera on any
   * node: name, the owner's HTTP base URL, and the codec and picture height the owner last wrote into
   * the lease with its health (null before the camera connected). One query, as list().
   */
  async liveElsewhere(): Promise<CameraElsewhere[]> {
    const nodes = this.nodes;
    if (!nodes) return [];
    const out: CameraElsewhere[] = [];
    for (const p of (await nodes.placements()).values()) {
      if (p.node.id === nodes.node.id) continue;
      // The owner's runtime health (LiveCameras) carries the stream's codec and size.
      const h = (p.health ?? {}) as { codec?: unknown; height?: unknown };
      out.push({
        name: p.cameraName,
        httpUrl: p.node.httpUrl,
        codec: typeof h.codec === 'string' ? h.codec : null,
        height: typeof h.height === 'number' ? h.height : null,
      });
    }
    return out;
  }

  /** This node runs the camera: it holds its lease, or it shares with no one. */
  private owns(id: string): boolean {
    return !this.nodes || this.nodes.owns(id);
  }

  async adopt(id: string, gapReason: HandoverReason | undefined): Promise<boolean> {
    const row = await this.repo.get(id);
    if (!row) return true;
    // A push camera's lease this node still held from before a restart: no session sends here now.
    if (row.transport === 'push' && gapReason === 'lease-resumed') return false;
    this.log.info('camera started on this node', { id, name: row.name, ...(gapReason ? { gapReason } : {}) });
    await this.publish(row);
    if (row.record) await this.startRecorder(id, gapReason);
    return true;
  }

  async release(id: string): Promise<void> {
    await this.stopRecorder(id);
    await this.runtime?.remove(id);
    this.applied.delete(id);
    this.failures.delete(id);
  }

  async sync(ownedIds: readonly string[]): Promise<void> {
    if (!ownedIds.length) return;
    const rows = new Map((await this.repo.list()).map((r) => [r.id, r]));
    for (const id of ownedIds) {
      const row = rows.get(id);
      if (!row || this.applied.get(id) === row.updatedAt.getTime()) continue;
      this.log.info('camera changed on another node: applied', { id, name: row.name });
      await this.publish(row);
      if (row.record) await this.startRecorder(id);
      else await this.stopRecorder(id);
    }
  }

  snapshot(id: string): CameraSnapshot {
    return { ...this.health(id), recording: this.recording?.isRecording(id) ?? false };
  }

  /**
   * Checks every camera's credentials open with the current key, so that a wrong KADR_SECRET_KEY is
   * seen at start-up (each such camera reads `failed`, with why) and not first by a viewer.
   */
  async checkCredentials(): Promise<void> {
    for (const row of await this.repo.list()) await this.spec(row);
  }

  async list(): Promise<CameraDto[]> {
    const rows = await this.repo.list();
    const placements = await this.placements();
    return rows.map((r) => this.toDto(r, placements));
  }

  async get(id: string): Promise<CameraDto> {
    const row = await this.row(id);
    return this.toDto(row, await this.placements());
  }

  /** Where each camera runs, when cameras are shared between nodes. */
  private async placements(): Promise<Map<string, CameraPlacement> | undefined> {
    return this.nodes?.placements();
  }

  async create(input: CameraInput): Promise<CameraDto> {
    const name = checkName(input.name);
    const split = splitSourceUrl(input.url);
    const credentials = this.givenCredentials(split.credentials, input.user, input.password);
    const id = randomUUID();
    const row = await this.repo.insert({
      id,
      name,
      url: split.url,
      credentials: credentials ? await this.secrets.seal(id, credentials) : null,
      transport: input.transport ?? 'tcp',
      onDemand: input.onDemand ?? false,
      record: input.record ?? false,
      ...retentionColumns(input.retention ?? {}, { retentionMaxAgeS: null, retentionMaxBytes: null }),
    });
    if (!row) throw duplicate(name);
    this.log.info('camera added', {
      id,
      name,
      url: redactedSourceUrl(row.url),
      hasCredentials: !!credentials,
    });
    if (this.nodes) {
      // A heartbeat now: the camera is claimed at once when this node is under its share.
      await this.nodes.tick();
      return this.get(id);
    }
    await this.publish(row);
    if (row.record) await this.startRecorder(row.id);
    return this.toDto(row);
  }

  async update(id: string, patch: CameraUpdate): Promise<CameraDto> {
    const current = await this.row(id);
    if (current.transport === 'push') {
      if (
        patch.url !== undefined ||
        patch.transport !== undefined ||
        patch.user !== undefined ||
        patch.password !== undefined
      ) {
        throw validation(
          'a push camera has no source to pull: url, transport and credentials do not apply',
          'its video comes from WHIP or JPEG ingest sessions under its name (docs/ingest.md)',
        );
      }
      if (patch.record === false) throw pushAlwaysRecords();
    }
    const changes: CameraChanges = {};
    if (patch.name !== undefined) changes.name = checkName(patch.name);
    if (patch.transport !== undefined) changes.transport = patch.transport;
    if (patch.onDemand !== undefined) changes.onDemand = patch.onDemand;
    if (patch.record !== undefined) changes.record = patch.record;
    if (patch.retention !== undefined) Object.assign(changes, retentionColumns(patch.retention, current));
    let fromUrl: Credentials | undefined;
    if (patch.url !== undefined) {
      const split = splitSourceUrl(patch.url);
      changes.url = split.url;
      fromUrl = split.credentials;
    }
    const sealed = await this.changedCredentials(current, fromUrl, patch.user, patch.password);
    if (sealed !== undefined) changes.credentials = sealed;
    const row = await this.repo.update(id, changes);
    if (row === null) throw notFound(id);
    if (row === 'duplicate') throw duplicate(changes.name!);
    this.log.info('camera changed', { id, name: row.name, fields: Object.keys(patch) });
    // A camera another node runs: its owner applies the change on its next heartbeat (sync).
    if (this.owns(id)) {
      await this.publish(row);
      if (row.record !== current.record) {
        if (row.record) await this.startRecorder(id);
        else await this.stopRecorder(id);
      }
    }
    return this.get(id);
  }

  async remove(id: string): Promise<void> {
    const row = await this.row(id);
    // The recorder first: its last segment row needs the camera row it references.
    if (this.owns(id)) {
      await this.stopRecorder(id);
      await this.runtime?.remove(id);
    }
    this.failures.delete(id);
    this.applied.delete(id);
    this.nodes?.forget(id);
    if (!(await this.repo.delete(id))) throw notFound(id);
    this.log.info('camera removed', { id, name: row.name });
  }

  /** A trigger's instant: the cameras this node runs join their stream now (their kept GOP). */
  holdPreRoll(id: string): void {
    if (this.owns(id)) this.recording?.holdPreRoll?.(id);
  }

  async startRecording(id: string): Promise<CameraDto> {
    await this.row(id);
    const row = await this.repo.update(id, { record: true });
    if (row === null || row === 'duplicate') throw notFound(id);
    if (this.owns(id)) {
      this.applied.set(id, row.updatedAt.getTime());
      await this.startRecorder(id);
    }
    return this.get(id);
  }

  async stopRecording(id: string): Promise<CameraDto> {
    if ((await this.row(id)).transport === 'push') throw pushAlwaysRecords();
    const row = await this.repo.update(id, { record: false });
    if (row === null || row === 'duplicate') throw notFound(id);
    if (this.owns(id)) {
      this.applied.set(id, row.updatedAt.getTime());
      await this.stopRecorder(id);
    }
    return this.get(id);
  }

  /**
   * The push camera named `name` for a session that begins on this node (docs/ingest.md): made when
   * there is none, its lease taken by this node (docs/nodes.md) and put into the runtime, whose input
   * the session feeds. 409 when the name is a pulled camera's, or another node holds the camera (a
   * session sends to it there).
   */
  async openPush(name: string): Promise<{ id: string; input: PushInput | undefined }> {
    checkName(name);
    let row = await this.repo.getByName(name);
    if (!row) {
      const id = randomUUID();
      row =
        (await this.repo.insert({
          id,
          name,
          url: '',
          credentials: null,
          transport: 'push',
          onDemand: false,
          record: true,
          retentionMaxAgeS: null,
          retentionMaxBytes: null,
        })) ?? (await this.repo.getByName(name));
      if (row?.id === id) this.log.info('push camera added', { id, name });
    }
    if (!row) throw new KadrError('KADR_ERR_CONFLICT', `camera '${name}' was removed meanwhile`);
    if (row.transport !== 'push') {
      throw new KadrError(
        'KADR_ERR_CONFLICT',
        `'${name}' is a camera that kadr pulls (${redactedSourceUrl(row.url)}): a session cannot push into it`,
        { hint: 'send under another name' },
      );
    }
    if (this.nodes && !(await this.nodes.holdPush(row.id))) {
      const elsewhere = await this.nodes.ownerElsewhere(name);
      throw new KadrError('KADR_ERR_CONFLICT', `camera '${name}' has a session on another node`, {
        hint: elsewhere ? `it runs on ${elsewhere.httpUrl}` : 'end that session first',
      });
    }
    if (this.runtime && !this.runtime.pushSource?.(row.id)) await this.publish(row);
    return { id: row.id, input: this.runtime?.pushSource?.(row.id) };
  }

  /** A push camera's session ended: this node gives its lease back (it stays in the registry). */
  async closePush(id: string): Promise<void> {
    await this.nodes?.letGoPush(id);
  }

  /** The push camera of that name, or null. */
  async pushCamera(name: string): Promise<CameraRow | null> {
    const row = await this.repo.getByName(name);
    return row?.transport === 'push' ? row : null;
  }

  /** Prometheus text format 0.0.4: the runtime's when wired, else the registry's count and states. */
  async metricsText(): Promise<string> {
    const rows = await this.repo.list();
    const registry = [
      '# HELP kadr_cameras Cameras in the registry.',
      '# TYPE kadr_cameras gauge',
      `kadr_cameras ${rows.length}`,
    ];
    // The live runtime has the per-camera health (up, state, fps, bitrate, reconnects, skips).
    if (this.runtime?.metricsText) return `${registry.join('\n')}\n${this.runtime.metricsText()}`;
    const lines = [
      ...registry,
      '# HELP kadr_camera_up 1 when the camera is live, else 0.',
      '# TYPE kadr_camera_up gauge',
      ...rows.map(
        (r) =>
          `kadr_camera_up{id="${label(r.id)}",name="${label(r.name)}"} ${this.health(r.id).state === 'live' ? 1 : 0}`,
      ),
    ];
    return `${lines.join('\n')}\n`;
  }

  private async row(id: string): Promise<CameraRow> {
    const row = await this.repo.get(id);
    if (!row) throw notFound(id);
    return row;
  }

  /** Credentials of a new camera: from the URL or from user / password, not both. */
  private givenCredentials(
    fromUrl: Credentials | undefined,
    user: string | undefined,
    password: string | undefined,
  ): Credentials | undefined {
    if (fromUrl && (user !== undefined || password !== undefined)) {
      throw validation('give the credentials in url or as user and password, not both');
    }
    if (fromUrl) return { user: checkUser(fromUrl.user), password: checkPassword(fromUrl.password) };
    if (password !== undefined && user === undefined) throw validation('password needs a user');
    if (user === undefined) return undefined;
    return { user: checkUser(user), password: checkPassword(password ?? '') };
  }

  /** The sealed credentials to store, null to clear them, undefined to keep them. */
  private async changedCredentials(
    current: CameraRow,
    fromUrl: Credentials | undefined,
    user: string | null | undefined,
    password: string | null | undefined,
  ): Promise<Buffer | null | undefined> {
    if (user === null) {
      if (password !== undefined && password !== null) throw validation('password needs a user');
      return null;
    }
    let next: Credentials | undefined;
    if (user === undefined && password !== undefined && password !== null && !fromUrl) {
      if (!current.credentials) throw validation('password needs a user: the camera has none');
      const old = await this.secrets.open(current.id, current.credentials);
      next = { user: old.user, password: checkPassword(password) };
    } else {
      next = this.givenCredentials(fromUrl, user, password ?? undefined);
    }
    return next ? this.secrets.seal(current.id, next) : undefined;
  }

  /** The runtime's spec, with the credentials opened; undefined (and the camera `failed`) when they do not open. */
  private async spec(row: CameraRow): Promise<CameraSpec | undefined> {
    let credentials: Credentials | undefined;
    try {
      credentials = row.credentials ? await this.secrets.open(row.id, row.credentials) : undefined;
    } catch (error) {
      const message = describeError(error);
      if (this.failures.get(row.id) !== message) {
        this.log.warn('camera cannot be started', { id: row.id, name: row.name, error: message });
      }
      this.failures.set(row.id, message);
      return undefined;
    }
    this.failures.delete(row.id);
    if (row.transport === 'push') this.pushed.add(row.id);
    return {
      id: row.id,
      name: row.name,
      url: joinSourceUrl(row.url, credentials),
      transport: row.transport,
      onDemand: row.onDemand,
    };
  }

  private async publish(row: CameraRow): Promise<void> {
    this.applied.set(row.id, row.updatedAt.getTime());
    const spec = await this.spec(row);
    if (!this.runtime) return;
    if (spec) this.runtime.put(spec);
    else await this.runtime.remove(row.id);
  }

  private async startRecorder(id: string, gapReason?: HandoverReason): Promise<void> {
    // A push camera's sessions are its recordings (docs/ingest.md): recording its hub again would
    // store every frame twice.
    if (this.pushed.has(id)) return;
    await this.recording?.start(id, gapReason);
  }

  private async stopRecorder(id: string): Promise<void> {
    if (this.recording?.isRecording(id)) await this.recording.stop(id);
  }

  private health(id: string): CameraHealthLike {
    const failure = this.failures.get(id);
    if (failure !== undefined) return { ...IDLE_HEALTH, state: 'failed', lastError: failure };
    return this.runtime?.health(id) ?? IDLE_HEALTH;
  }

  /** Where the camera object's `analytics` comes from (the live analytics service). */
  useAnalytics(analyticsOf: (cameraId: string) => CameraAnalyticsDto | null): void {
    this.analyticsOf = analyticsOf;
  }

  private analyticsOf: ((cameraId: string) => CameraAnalyticsDto | null) | null = null;

  private toDto(row: CameraRow, placements?: Map<string, CameraPlacement>): CameraDto {
    const placed = placements?.get(row.id);
    const elsewhere = placed && placed.node.id !== this.nodes?.node.id ? placed : undefined;
    // Another node's camera: its state and health as the owner wrote them at its last heartbeat.
    const snapshot = elsewhere ? (elsewhere.health as CameraSnapshot | null) : undefined;
    const push = row.transport === 'push';
    let h = elsewhere ? (snapshot ?? { ...IDLE_HEALTH, state: 'connecting' as const }) : this.health(row.id);
    // A push camera that no node runs has no session: offline, not idle (idle is an on-demand camera).
    if (push && h.state === 'idle') h = { ...h, state: 'offline' };
    const recording = push
      ? h.state === 'live'
      : elsewhere
        ? (snapshot?.recording ?? false)
        : this.recording
          ? this.recording.isRecording(row.id)
          : row.record;
    return {
      id: row.id,
      name: row.name,
      url: redactedSourceUrl(row.url),
      hasCredentials: row.credentials !== null,
      transport: row.transport,
      onDemand: row.onDemand,
      record: row.record,
      recording,
      retention: {
        maxAgeHours: row.retentionMaxAgeS === null ? null : row.retentionMaxAgeS / 3600,
        maxBytes: row.retentionMaxBytes,
      },
      state: h.state,
      lastError: h.lastError,
      health: {
        fps: h.fps,
        bitrateBps: h.bitrateBps,
        lastFrameAt: h.lastFrameAt,
        reconnects: h.reconnects,
        skippedUnits: h.skippedUnits,
      },
      analytics: this.analyticsOf?.(row.id) ?? null,
      rtspUrl: `${elsewhere ? elsewhere.node.rtspUrl : this.rtspBase}/${row.name}`,
      node: placed ? { id: placed.node.id, url: placed.node.httpUrl } : null,
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
    };
  }
}

/** A label value in the Prometheus text format: backslash, quote and newline escaped. */
const label = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** The host clients should dial: a wildcard listen address is no address; IPv6 goes in brackets. */
function publicHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '[::]') return os.hostname();
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
