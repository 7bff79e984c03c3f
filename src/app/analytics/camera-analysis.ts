/**
 * The analytics of one camera inside the server: a consumer of the camera's stream hub that forwards
 * every unit to the camera's child process (camera-analytics.child.ts) and hands what comes back to
 * `onFrame`. It never slows the camera's other consumers: it only copies units into the IPC channel,
 * and when the child falls more than `maxBacklog` units behind (it cannot even decode in time) units are
 * dropped up to the next keyframe and the sampled frames they held are counted as skipped.
 *
 * A child that dies (a crash, kill -9) is started again at the next keyframe, after at least
 * `restartDelayMs`; a gap in the camera's stream (it reconnected: parameter sets may differ) starts a
 * fresh child too.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { KnownProfile } from '../../analytics/index.js';
import type { Logger } from '../../core/logger.js';
import type { MediaUnit } from '../../core/media-unit.js';
import { annexBExtradata } from '../../rtp/index.js';
import type { HubSubscription, LiveStreamInfo } from '../../streams/index.js';
import type { AnalysedFrame, AnalyticsSettings, FromChild, ToChild } from './analysis-messages.js';

export interface AnalyticsFeeds {
  subscribe(cameraId: string): HubSubscription<MediaUnit>;
  stream(cameraId: string): LiveStreamInfo | null;
}

export interface CameraAnalysisOptions {
  cameraId: string;
  settings: AnalyticsSettings;
  feeds: AnalyticsFeeds;
  profiles: () => Promise<KnownProfile[]>;
  profileDistance: number;
  onFrame: (frame: AnalysedFrame) => void;
  log: Logger;
  maxBacklog?: number;
  restartDelayMs?: number;
}

function childEntry(): { path: string; execArgv: string[] } {
  // Under tsx (tests, `npm run dev`) this file is .ts and so is the child; in dist/ both are .js.
  const self = import.meta.url;
  const ext = self.endsWith('.ts') ? '.ts' : '.js';
  const path = fileURLToPath(new URL(`./camera-analytics.child${ext}`, self));
  return { path, execArgv: ext === '.ts' ? ['--import', 'tsx'] : [] };
}

interface Child {
  proc: ChildProcess;
  sent: number;
  consumed: number;
  exited: boolean;
}

export class CameraAnalysis {
  framesAnalysed = 0;
  framesSkipped = 0;
  /** Times the child process was started again after it died. */
  restarts = 0;
  /** The camera's time base ("num/den") of the pts this analysis reports; '' before the first unit. */
  timeBase = '';
  private sub: HubSubscription<MediaUnit> | null = null;
  private child: Child | null = null;
  private stopped = false;
  private dropping = false;
  /** While dropping: the pts from which the next dropped unit counts as a skipped sampled frame. */
  private dropDue: bigint | null = null;
  private lastChildDeathMs = 0;
  private readonly loop: Promise<void>;

  constructor(private readonly o: CameraAnalysisOptions) {
    this.loop = this.run().catch((e) =>
      o.log.error('camera analysis stopped', { camera: o.cameraId, error: (e as Error).message }),
    );
  }

  get settings(): AnalyticsSettings {
    return this.o.settings;
  }

  /** The pid of the child analysing now (null between children). */
  get pid(): number | null {
    return this.child && !this.child.exited ? (this.child.proc.pid ?? null) : null;
  }

  /** New profiles to match faces against. */
  updateProfiles(profiles: KnownProfile[]): void {
    this.send({ type: 'profiles', profiles });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.sub?.close();
    this.killChild();
    await this.loop;
  }

  /**
   * Reads the camera's hub until stopped. The subscription also ends when the camera's URL changes
   * (the runtime replaces the connection): the analysis then subscribes again; it ends for good when
   * the camera is gone.
   */
  private async run(): Promise<void> {
    while (!this.stopped) {
      let sub: HubSubscription<MediaUnit>;
      try {
        sub = this.o.feeds.subscribe(this.o.cameraId);
      } catch (error) {
        this.o.log.info('camera analysis ends: the camera is gone', {
          camera: this.o.cameraId,
          error: (error as Error).message,
        });
        return;
      }
      this.sub = sub;
      try {
        await this.read(sub);
      } finally {
        sub.close();
        this.killChild();
      }
      if (!this.stopped) await new Promise((r) => setTimeout(r, this.o.restartDelayMs ?? 1000));
    }
  }

  private async read(sub: HubSubscription<MediaUnit>): Promise<void> {
    for (;;) {
      const item = await sub.next();
      if (item === null || this.stopped) return;
      if (item.kind === 'gap') {
        this.killChild();
        continue;
      }
      await this.forward(item.unit);
    }
  }

  private async forward(unit: MediaUnit): Promise<void> {
    const wallMs = unit.ntpMs ?? unit.receivedAtMs;
    if (this.child?.exited) this.child = null;
    if (!this.child) {
      if (!unit.key || Date.now() - this.lastChildDeathMs < (this.o.restartDelayMs ?? 1000)) return;
      await this.spawn(unit);
      if (!this.child) return;
    }
    const child: Child = this.child;
    const backlog = child.sent - child.consumed;
    if (this.dropping && unit.key && backlog < (this.o.maxBacklog ?? 100) / 2) {
      this.dropping = false;
      this.dropDue = null;
    } else if (!this.dropping && backlog >= (this.o.maxBacklog ?? 100)) {
      this.dropping = true;
    }
    if (this.dropping) return this.countDropped(unit);
    child.sent++;
    this.send({ type: 'unit', data: unit.data, pts: unit.pts, key: unit.key, wallMs });
  }

  /**
   * A dropped unit that the child would have sampled (by the child's rule: one frame per 1/fps of pts)
   * counts as skipped now, while the dropping goes on, so that `framesSkipped` tells it as it happens.
   */
  private countDropped(unit: MediaUnit): void {
    const { num, den } = unit.timeBase;
    const interval = BigInt(Math.max(1, Math.round(den / (num * this.o.settings.fps))));
    if (this.dropDue !== null && unit.pts < this.dropDue) return;
    this.framesSkipped++;
    this.dropDue = unit.pts + interval;
  }

  private async spawn(first: MediaUnit): Promise<void> {
    const stream = this.o.feeds.stream(this.o.cameraId);
    const codec = stream?.info.codec;
    if (codec !== 'h264' && codec !== 'hevc') {
      this.o.log.warn('camera analysis: only H.264 and H.265 can be analysed', {
        camera: this.o.cameraId,
        codec: codec ?? null,
      });
      this.lastChildDeathMs = Date.now();
      return;
    }
    this.timeBase = `${first.timeBase.num}/${first.timeBase.den}`;
    const profiles = await this.o.profiles().catch(() => []);
    if (this.stopped) return;
    const { path, execArgv } = childEntry();
    const proc = fork(path, [], {
      execArgv,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const child: Child = { proc, sent: 0, consumed: 0, exited: false };
    this.child = child;
    proc.on('message', (msg: FromChild) => {
      if (msg.type === 'consumed') child.consumed = msg.units;
      else if (msg.type === 'frame') {
        this.framesAnalysed++;
        this.framesSkipped += msg.skipped;
        this.o.onFrame(msg);
      } else if (msg.type === 'error') {
        this.o.log.warn('camera analysis failed', { camera: this.o.cameraId, error: msg.message });
      }
    });
    proc.once('exit', (code, signal) => {
      child.exited = true;
      if (this.stopped || this.child !== child) return;
      this.restarts++;
      this.lastChildDeathMs = Date.now();
      this.o.log.warn('camera analysis process ended; it starts again at the next keyframe', {
        camera: this.o.cameraId,
        ...(signal ? { signal } : { code }),
      });
    });
    proc.on('error', () => undefined);
    const sets = stream?.info.parameterSets ?? [];
    this.send({
      type: 'start',
      codec,
      extradata: sets.length > 0 ? annexBExtradata(sets) : null,
      timeBase: first.timeBase,
      settings: this.o.settings,
      profiles,
      profileDistance: this.o.profileDistance,
    });
  }

  private send(msg: ToChild): void {
    const proc = this.child?.proc;
    if (!proc || this.child!.exited || !proc.connected) return;
    proc.send(msg, undefined, {}, () => undefined);
  }

  private killChild(): void {
    const child = this.child;
    this.child = null;
    if (child && !child.exited) child.proc.kill('SIGKILL');
  }
}
