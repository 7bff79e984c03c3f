/**
 * The runtime of every camera of one process (docs/live-cameras.md): one upstream connection per
 * camera however many consumers (each camera a LiveCamera: supervisor + pull + hub), its state and
 * health, the Prometheus text of all of them, and the RTSP mount of each camera for kadr's server.
 *
 * States:
 *  - `idle`: an on-demand camera nobody consumes (not connected);
 *  - `connecting`: the first attempt of a run is under way;
 *  - `live`: units arrive (set by the first unit of a connection, not by the PLAY answer);
 *  - `reconnecting`: a connection that was live was lost; attempts go on with back-off (the
 *    supervisor's) and the state stays `reconnecting` until units arrive again;
 *  - `failed`: the camera has not been live since it was started and an attempt failed; attempts go on
 *    with the same back-off and the state stays `failed` (with the error of the latest attempt) until
 *    units arrive. `failed` says the camera is not reachable, not that kadr gave up;
 *  - `offline`: a push camera (transport 'push': WHIP, JPEG ingest) with no session sending; it is
 *    `live` while one sends. Nothing is ever dialled for it (push-source.ts).
 * `lastError` is the latest error (readable, credentials never included) and is cleared when the
 * camera is live again.
 */
import { KadrError } from '../core/errors.js';
import { type Logger, silentLogger } from '../core/logger.js';
import type { MediaUnit } from '../core/media-unit.js';
import { redactUrl } from '../core/redact-url.js';
import type { RtpSink } from '../rtsp/index.js';
import { RtspStatusError } from '../rtsp/index.js';
import type { CameraVideoInfo } from './camera-unit.js';
import { LiveCamera, type LiveStreamInfo } from './live-camera.js';
import { RateMeter } from './live-health.js';
import { liveMountDescription } from './live-mount.js';
import { LiveRestream } from './live-restream.js';
import { LiveRtpPackets } from './live-rtp-packets.js';
import { PushSource } from './push-source.js';
import { RtspCameraSource } from './rtsp-camera-source.js';
import type { SourceConsumer, SourceDescription, StreamSource } from './source.js';
import type { HubSubscription } from './stream-hub.js';

export interface LiveCameraSpec {
  id: string;
  name: string;
  /** With credentials, in memory only, never logged (redacted wherever it shows). Empty for a push camera. */
  url: string;
  /** 'push': its sessions push the units in (pushSource()); never connected to. */
  transport: 'tcp' | 'udp' | 'push';
  /** Idle until a consumer acquires it; stopped idleStopMs after the last one leaves. */
  onDemand: boolean;
}

export type CameraState = 'idle' | 'connecting' | 'live' | 'reconnecting' | 'failed' | 'offline';
export const CAMERA_STATES: readonly CameraState[] = [
  'idle',
  'connecting',
  'live',
  'reconnecting',
  'failed',
  'offline',
];

export interface CameraHealth {
  state: CameraState;
  lastError: string | null;
  codec: string | null;
  width: number | null;
  height: number | null;
  /** Measured from PTS over the last few seconds. */
  fps: number | null;
  bitrateBps: number | null;
  /** ISO 8601 ms: source wallclock (RTCP SR) when known, else receive time. */
  lastFrameAt: string | null;
  /** Times the camera came back after a live connection was lost. */
  reconnects: number;
  /** Units consumers of the hub lost by falling behind (each skipped to the next keyframe). */
  skippedUnits: number;
  consumers: number;
}

export interface LiveCamerasOptions {
  logger?: Logger;
  /** An on-demand camera disconnects this long after its last consumer left (default 10 s). */
  idleStopMs?: number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** No data for this long: the connection is lost (default 5 s). */
  readTimeoutMs?: number;
  /** How long DESCRIBE / PLAY of a camera's mount wait for the camera (default 10 s). */
  mountWaitMs?: number;
  /** Units a consumer may have waiting before it skips to the next keyframe (the hub's). */
  maxQueuedUnits?: number;
}

interface Run {
  abort: AbortController;
  camera: LiveCamera;
  done: Promise<void>;
}

interface Entry {
  spec: LiveCameraSpec;
  state: CameraState;
  lastError: string | null;
  run: Run | null;
  info: CameraVideoInfo | null;
  consumers: number;
  /** Consumers that show the picture live (LiveViews): the pull then reads units as they arrive. */
  watchers: number;
  subs: Set<HubSubscription>;
  skippedClosed: number;
  reconnects: number;
  /** The current run has been live (decides `failed` or `reconnecting`). */
  wasLive: boolean;
  /** A connection was lost and no unit came since (the next unit counts a reconnect). */
  lostSinceLive: boolean;
  meter: RateMeter;
  lastFrameAtMs: number | null;
  idleTimer: NodeJS.Timeout | null;
  /** Woken at each state change or unit: DESCRIBE waiting for a camera. */
  waiters: Set<() => void>;
  /** A push camera's source (its sessions attach to it); null for a pulled camera. */
  push: PushSource | null;
  /** The RTP packets its RTSP viewers share; made with the first viewer, again if the codec changes. */
  rtpPackets?: LiveRtpPackets;
}

export class LiveCameras {
  private readonly entries = new Map<string, Entry>();
  private readonly log: Logger;
  private readonly idleStopMs: number;
  private closed = false;

  constructor(private readonly o: LiveCamerasOptions = {}) {
    this.log = o.logger ?? silentLogger;
    this.idleStopMs = o.idleStopMs ?? 10_000;
  }

  /** Adds a camera, or replaces one (reconnecting when its URL or transport changed). */
  put(spec: LiveCameraSpec): void {
    if (this.closed) throw new KadrError('KADR_ERR_INTERNAL', 'the camera runtime is closed');
    const old = this.entries.get(spec.id);
    if (!old) {
      const entry: Entry = {
        spec: { ...spec },
        state: 'idle',
        lastError: null,
        run: null,
        info: null,
        consumers: 0,
        watchers: 0,
        subs: new Set(),
        skippedClosed: 0,
        reconnects: 0,
        wasLive: false,
        lostSinceLive: false,
        meter: new RateMeter(),
        lastFrameAtMs: null,
        idleTimer: null,
        waiters: new Set(),
        push: spec.transport === 'push' ? new PushSource(spec.name) : null,
      };
      if (entry.push) entry.state = 'offline';
      this.entries.set(spec.id, entry);
      if (!spec.onDemand) this.start(entry);
      return;
    }
    const moved = old.spec.url !== spec.url || old.spec.transport !== spec.transport;
    if (moved && old.spec.transport === 'push') old.push = null;
    if (moved && spec.transport === 'push') {
      old.push = new PushSource(spec.name);
      old.state = 'offline';
    }
    old.spec = { ...spec };
    if (moved && old.run) {
      // Consumers of the old connection see its end; the new one starts now if it is wanted.
      const run = old.run;
      old.run = null;
      run.abort.abort();
      old.info = null;
    }
    this.settle(old);
  }

  async remove(id: string): Promise<void> {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    if (entry.idleTimer) clearTimeout(entry.idleTimer);
    await this.stop(entry);
    this.wake(entry);
  }

  health(id: string): CameraHealth | undefined {
    const e = this.entries.get(id);
    if (!e) return undefined;
    const live = e.state === 'live';
    let skipped = e.skippedClosed;
    for (const s of e.subs) skipped += s.skippedUnits;
    return {
      state: e.state,
      lastError: e.lastError,
      codec: e.info?.codec ?? null,
      width: e.info?.width || null,
      height: e.info?.height || null,
      fps: live ? e.meter.fps : null,
      bitrateBps: live ? e.meter.bitrateBps : null,
      lastFrameAt: e.lastFrameAtMs === null ? null : new Date(e.lastFrameAtMs).toISOString(),
      reconnects: e.reconnects,
      skippedUnits: skipped,
      consumers: e.consumers,
    };
  }

  /** Id and name of each camera, in the order they were added. */
  list(): { id: string; name: string }[] {
    return [...this.entries.values()].map((e) => ({ id: e.spec.id, name: e.spec.name }));
  }

  /** Ids of the cameras, in the order they were added. */
  get ids(): string[] {
    return [...this.entries.keys()];
  }

  /**
   * A subscription to the camera's units (joining at a keyframe); close() releases it. Starts an
   * on-demand camera. The subscription reads null when the camera is removed or its URL changes.
   * `live`: the consumer shows the picture as it comes (a viewer), so latency counts more than the
   * CPU that paced reads save (LiveCamera.setReadAtOnce).
   */
  acquire(id: string, consumer: string, options: { live?: boolean } = {}): HubSubscription<MediaUnit> {
    const entry = this.entries.get(id);
    if (!entry) throw new KadrError('KADR_ERR_NOT_FOUND', `no camera ${id}`);
    return this.subscribe(entry, consumer, options.live === true);
  }

  /** A push camera's source, for its sessions to attach to; undefined for any other camera. */
  pushSource(id: string): PushSource | undefined {
    return this.entries.get(id)?.push ?? undefined;
  }

  /** The camera's current connection as a muxer needs it (codec parameters from the SDP); null when none. */
  stream(id: string): LiveStreamInfo | null {
    return this.entries.get(id)?.run?.camera.stream() ?? null;
  }

  private subscribe(entry: Entry, consumer: string, live: boolean): HubSubscription<MediaUnit> {
    entry.consumers++;
    if (live) entry.watchers++;
    if (entry.idleTimer) {
      clearTimeout(entry.idleTimer);
      entry.idleTimer = null;
    }
    const run = entry.run ?? this.start(entry);
    run.camera.setReadAtOnce(entry.watchers > 0);
    const sub = run.camera.hub.subscribe();
    entry.subs.add(sub);
    this.log.debug('camera consumer joined', { camera: entry.spec.name, consumer });
    sub.onClose = () => {
      entry.subs.delete(sub);
      entry.skippedClosed += sub.skippedUnits;
      entry.consumers--;
      if (live) entry.watchers--;
      entry.run?.camera.setReadAtOnce(entry.watchers > 0);
      this.log.debug('camera consumer left', { camera: entry.spec.name, consumer });
      this.settle(entry);
    };
    return sub;
  }

  /** Prometheus text exposition format (version 0.0.4): every camera, labelled with its id and name. */
  metricsText(): string {
    const metrics: [string, 'gauge' | 'counter', string, (h: CameraHealth) => number | null][] = [
      [
        'kadr_camera_up',
        'gauge',
        'Whether the camera is live (units arriving).',
        (h) => (h.state === 'live' ? 1 : 0),
      ],
      [
        'kadr_camera_fps',
        'gauge',
        'Frames per second measured from PTS over the last seconds.',
        (h) => h.fps,
      ],
      [
        'kadr_camera_bitrate_bps',
        'gauge',
        'Bits per second of the video over the last seconds.',
        (h) => h.bitrateBps,
      ],
      [
        'kadr_camera_last_frame_timestamp_seconds',
        'gauge',
        'Wallclock of the last frame (the camera clock from RTCP when known), Unix seconds.',
        (h) => (h.lastFrameAt === null ? null : Date.parse(h.lastFrameAt) / 1000),
      ],
      [
        'kadr_camera_reconnects_total',
        'counter',
        'Times the camera came back after a lost connection.',
        (h) => h.reconnects,
      ],
      [
        'kadr_camera_skipped_units_total',
        'counter',
        'Units consumers lost by falling behind (skipped to the next keyframe).',
        (h) => h.skippedUnits,
      ],
      [
        'kadr_camera_consumers',
        'gauge',
        'Consumers of the camera (restream viewers, recorder...).',
        (h) => h.consumers,
      ],
    ];
    const cams = [...this.entries.values()].map((e) => ({ e, h: this.health(e.spec.id)! }));
    const lines: string[] = [];
    lines.push('# HELP kadr_camera_state Camera state: 1 for the state it is in.');
    lines.push('# TYPE kadr_camera_state gauge');
    for (const { e, h } of cams) {
      for (const s of CAMERA_STATES) {
        lines.push(`kadr_camera_state{${labels(e.spec, { state: s })}} ${h.state === s ? 1 : 0}`);
      }
    }
    for (const [name, type, help, value] of metrics) {
      lines.push(`# HELP ${name} ${help}`);
      lines.push(`# TYPE ${name} ${type}`);
      for (const { e, h } of cams) {
        const v = value(h);
        if (v !== null && Number.isFinite(v)) lines.push(`${name}{${labels(e.spec)}} ${v}`);
      }
    }
    return `${lines.join('\n')}\n`;
  }

  /** The camera served at `rtsp://host:port/<name>`, as the RTSP glue's source (stream-registry.ts). */
  mount(name: string): StreamSource | undefined {
    const entry = [...this.entries.values()].find((e) => e.spec.name === name);
    if (!entry) return undefined;
    return {
      name,
      describe: () => this.describeMount(entry),
      createConsumer: (track, sink) => this.restream(entry, track, sink),
    };
  }

  private async describeMount(entry: Entry): Promise<SourceDescription> {
    // Holding the camera while waiting starts an on-demand one; the SETUP that follows holds it next.
    const hold = this.subscribe(entry, 'rtsp describe', false);
    try {
      const info = await this.waitFor(entry, () => {
        const i = entry.info;
        return i !== null && (i.parameterSets?.length ?? 0) > 0 && entry.state === 'live';
      });
      const d = info ? liveMountDescription(info) : null;
      if (!d) {
        throw new RtspStatusError(
          503,
          entry.info
            ? `camera ${entry.spec.name} is ${entry.info.codec}, which is not restreamed`
            : `camera ${entry.spec.name} is not live`,
        );
      }
      return d;
    } finally {
      hold.close();
    }
  }

  private async restream(entry: Entry, _track: string, sink: RtpSink): Promise<SourceConsumer> {
    const info = entry.info;
    const codec = info?.codec === 'h264' || info?.codec === 'hevc' ? info.codec : null;
    if (!codec) throw new RtspStatusError(503, `camera ${entry.spec.name} is not live`);
    if (entry.rtpPackets?.codec !== codec) entry.rtpPackets = new LiveRtpPackets(codec);
    return new LiveRestream({
      packets: entry.rtpPackets,
      sink,
      subscribe: () => {
        if (!this.entries.has(entry.spec.id)) throw new RtspStatusError(404, 'the camera was removed');
        // A player of the restream shows the picture as it comes, like a browser.
        return this.subscribe(entry, 'rtsp viewer', true);
      },
      firstUnitTimeoutMs: this.o.mountWaitMs ?? 10_000,
      logger: this.log,
    });
  }

  /** Waits until `ready()` or the mount wait passes; the camera's info then, or null. */
  private async waitFor(entry: Entry, ready: () => boolean): Promise<CameraVideoInfo | null> {
    const deadline = performance.now() + (this.o.mountWaitMs ?? 10_000);
    while (!ready()) {
      const left = deadline - performance.now();
      if (left <= 0 || !this.entries.has(entry.spec.id)) return null;
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, Math.min(left, 250));
        function done() {
          clearTimeout(t);
          entry.waiters.delete(done);
          resolve();
        }
        entry.waiters.add(done);
      });
    }
    return entry.info;
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(
      all.map((e) => {
        if (e.idleTimer) clearTimeout(e.idleTimer);
        return this.stop(e);
      }),
    );
  }

  /** Starts or stops the camera as its consumers and spec want. */
  private settle(entry: Entry): void {
    if (!this.entries.has(entry.spec.id)) return;
    // A push camera always waits for its next session: waiting costs nothing.
    const wanted = !entry.spec.onDemand || entry.consumers > 0 || entry.push !== null;
    if (wanted) {
      if (entry.idleTimer) {
        clearTimeout(entry.idleTimer);
        entry.idleTimer = null;
      }
      if (!entry.run) this.start(entry);
      return;
    }
    if (!entry.run) {
      entry.state = entry.push ? 'offline' : 'idle';
      return;
    }
    if (entry.idleTimer) return;
    entry.idleTimer = setTimeout(() => {
      entry.idleTimer = null;
      if (entry.consumers > 0 || !entry.spec.onDemand) return;
      this.log.info('camera idle, disconnecting', { camera: entry.spec.name });
      void this.stop(entry).then(() => {
        if (entry.consumers === 0 && !entry.run) this.setState(entry, 'idle');
      });
    }, this.idleStopMs);
    entry.idleTimer.unref();
  }

  private start(entry: Entry): Run {
    const spec = entry.spec;
    const push = entry.push;
    const source =
      push ??
      new RtspCameraSource(spec.url, {
        transport: spec.transport === 'udp' ? 'udp' : 'tcp',
        path: 'auto',
        readTimeoutMs: this.o.readTimeoutMs ?? 5000,
        // The hub publishes them: one copy out of the depacketizer, none out of the packet.
        bytes: true,
      });
    const abort = new AbortController();
    entry.wasLive = false;
    entry.lostSinceLive = false;
    entry.meter.reset();
    const scrub = (message: string) => scrubSecrets(message, spec.url);
    const camera = new LiveCamera(source, {
      reconnectMinMs: this.o.reconnectMinMs,
      reconnectMaxMs: this.o.reconnectMaxMs,
      maxQueuedUnits: this.o.maxQueuedUnits,
      logger: this.log,
      events: {
        connecting: (connection) => {
          if (push) this.setState(entry, 'offline');
          else if (connection === 1) this.setState(entry, 'connecting');
        },
        connected: (info) => {
          entry.info = info;
          entry.meter.reset();
          this.wake(entry);
        },
        unit: (unit) => {
          entry.meter.add(unit);
          entry.lastFrameAtMs = unit.ntpMs ?? unit.receivedAtMs;
          if (entry.state !== 'live') {
            if (entry.lostSinceLive && !push) entry.reconnects++;
            entry.lostSinceLive = false;
            entry.wasLive = true;
            entry.lastError = null;
            this.setState(entry, 'live');
          }
        },
        lost: (reason) => {
          entry.lastError = scrub(reason);
          if (entry.wasLive) entry.lostSinceLive = true;
          if (push) entry.lastError = null;
          this.setState(entry, push ? 'offline' : entry.wasLive ? 'reconnecting' : 'failed');
        },
        connectFailed: (message) => {
          entry.lastError = scrub(message);
          this.setState(entry, entry.wasLive ? 'reconnecting' : 'failed');
        },
      },
    });
    const run: Run = { abort, camera, done: Promise.resolve() };
    run.done = camera
      .run(abort.signal)
      .catch((e: unknown) => {
        entry.lastError = scrub((e as Error).message);
      })
      .finally(() => {
        if (entry.run !== run) return;
        // Ended by itself (a source that announced a length and ended): started again when wanted.
        entry.run = null;
        if (!abort.signal.aborted) {
          entry.lastError ??= 'the source ended the stream';
          this.setState(entry, 'failed');
          setTimeout(() => this.settle(entry), this.o.reconnectMinMs ?? 500).unref();
        }
      });
    run.camera.setReadAtOnce(entry.watchers > 0);
    entry.run = run;
    this.log.info('camera starting', { camera: spec.name, url: push ? 'push' : redactUrl(spec.url) });
    return run;
  }

  private async stop(entry: Entry): Promise<void> {
    const run = entry.run;
    if (!run) return;
    entry.run = null;
    run.abort.abort();
    await run.done;
  }

  private setState(entry: Entry, state: CameraState): void {
    if (entry.state === state) return;
    entry.state = state;
    this.log.info('camera state', {
      camera: entry.spec.name,
      state,
      ...(entry.lastError ? { error: entry.lastError } : {}),
    });
    this.wake(entry);
  }

  private wake(entry: Entry): void {
    for (const w of [...entry.waiters]) w();
  }
}

/** `id` and `name` labels (and extra ones), values escaped as the text format asks (\\, \", \n). */
function labels(spec: LiveCameraSpec, extra: Record<string, string> = {}): string {
  const all: Record<string, string> = { id: spec.id, name: spec.name, ...extra };
  return Object.entries(all)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');
}

/** A message with the URL's user and password taken out, wherever a lower layer put them. */
function scrubSecrets(message: string, url: string): string {
  let out = message;
  try {
    const u = new URL(url);
    for (const secret of [u.password, decodeURIComponent(u.password)]) {
      if (secret.length >= 3) out = out.split(secret).join('***');
    }
    if (u.username) out = out.split(`${u.username}:`).join('***:');
  } catch {
    // not a URL: nothing to take out
  }
  return out;
}
