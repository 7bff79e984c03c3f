/**
 * The composition root: every server command (`kadr serve`, `worker`, `rtsp-serve`, `record`) starts
 * what it runs here, from one KadrConfig, and stops it with one `close()`. Each part gets plain
 * options, never the whole configuration. The commands only parse flags, call `startKadr`, wait for
 * a signal (or the recording's end) and close.
 *
 * The parts are imported when their role is asked for: the API and the analysis services bring
 * Fastify, pg-boss and onnxruntime (about 40 MiB of resident memory and 0.4 s), which a process that
 * only restreams files never uses.
 */
import os from 'node:os';
import type { KadrApp } from '../app/index.js';
import { isLoopback, type KadrConfig } from '../config/index.js';
import { KadrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { LiveCameras, LiveViews, ServedFiles, startFolderRtsp } from '../streams/index.js';
import type { WebRtcServer } from '../webrtc/index.js';
import type { Recording, RecordingOptions } from './recording.js';
import { startRtspFiles, type RtspFilesOptions, type RtspListening } from './rtsp-files.js';

export interface KadrRoles {
  /** The HTTP API on config.server.host:port (kadr serve). */
  api?: boolean;
  /** Analysis workers, config.server.concurrency of them (kadr serve, kadr worker). */
  worker?: boolean;
  /** Every video in config.rtsp.mediaDir over RTSP, looped, next to the HTTP API (kadr serve --media). */
  mediaFolder?: { port: number; logger: Logger };
  /**
   * Cameras (kadr serve): the live runtime, each camera restreamed at rtsp://host:port/<name> on the
   * same RTSP server as mediaFolder, and continuous recording into the object store.
   */
  cameras?: { port: number; logger: Logger };
  /** A list of files over RTSP (kadr rtsp-serve). */
  rtspFiles?: Omit<RtspFilesOptions, 'cacheBytes' | 'auth'>;
  /** One RTSP URL recorded into storage (kadr record). */
  record?: RecordingOptions;
}

export interface Kadr {
  /** The analysis services, when `api` or `worker` was asked for. */
  readonly app: KadrApp | undefined;
  /** Where the HTTP API listens ("http://127.0.0.1:8080"). */
  readonly httpAddress: string | undefined;
  readonly rtsp: RtspListening | undefined;
  readonly recording: Recording | undefined;
  /** Stops everything started, last started first; safe to call twice. */
  close(): Promise<void>;
}

export async function startKadr(config: KadrConfig, roles: KadrRoles, log: Logger): Promise<Kadr> {
  checkRoles(config, roles);
  const closers: (() => Promise<void>)[] = [];
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      for (const c of closers.reverse()) await c();
    })());
  try {
    let app: KadrApp | undefined;
    let httpAddress: string | undefined;
    if (roles.api || roles.worker) {
      const server = config.server;
      const { createApp } = await import('../app/index.js');
      const started = await createApp(server, {
        roles: { api: roles.api === true, worker: roles.worker === true },
        log,
        s3: config.s3,
        rtsp: { host: config.server.host, port: config.rtsp.port },
      });
      app = started;
      closers.push(() => started.stop());
      if (roles.api) {
        const webrtc = roles.cameras ? await startWebRtc(config, roles.cameras.logger) : undefined;
        if (webrtc) closers.push(() => webrtc.close());
        const { buildServer } = await import('../api/index.js');
        const http = await buildServer(started, webrtc ? { webrtc } : {});
        httpAddress = await http.listen({ host: server.host, port: server.port });
        closers.push(() => http.close());
      }
    }
    let rtsp: RtspListening | undefined;
    const rtspAuth = credentials(config);
    const live = roles.cameras && app ? new LiveCameras({ logger: roles.cameras.logger }) : undefined;
    if (live) closers.push(() => live.close());
    const folderDir = roles.mediaFolder ? config.rtsp.mediaDir : undefined;
    const folderRole = roles.mediaFolder ?? roles.cameras;
    if ((folderDir !== undefined || live) && folderRole) {
      // A camera's restream beyond loopback needs RTSP credentials (secure by default): without them
      // it is served on loopback only, and the log says how to open it up.
      let host = config.server.host;
      if (folderDir === undefined && !rtspAuth && !isLoopback(host)) {
        folderRole.logger.warn(
          'camera restream on 127.0.0.1 only: set KADR_RTSP_USER and KADR_RTSP_PASSWORD',
          {
            host,
          },
        );
        host = '127.0.0.1';
      }
      const folder = await startFolderRtsp({
        dir: folderDir,
        host,
        port: folderRole.port,
        loop: true,
        cacheBytes: config.rtsp.cacheBytes,
        ...(rtspAuth ? { auth: rtspAuth } : {}),
        logger: folderRole.logger,
        ...(live ? { live } : {}),
        ...(live && app
          ? {
              redirect: async (name: string) => {
                const owner = await app!.cameras.ownerElsewhere(name);
                return owner && `${owner.rtspUrl}/${name}`;
              },
            }
          : {}),
      });
      rtsp = {
        host,
        port: folder.port,
        udpRtpPort: 0,
        get mounts() {
          return folder.mounts;
        },
        close: () => folder.close(),
      };
      closers.push(() => folder.close());
      if (live && app) {
        // The media folder's videos are watchable live too: pulled from this server's own mounts.
        const files =
          folderDir !== undefined
            ? new ServedFiles({
                mounts: () => folder.mounts,
                host,
                port: folder.port,
                ...(rtspAuth ? { auth: rtspAuth } : {}),
                logger: folderRole.logger,
              })
            : undefined;
        if (files) closers.push(() => files.close());
        const rtspAt = { host, port: folder.port };
        await wireCameras(config, app, live, files, rtspAt, httpAddress, folderRole.logger, closers);
      }
    } else if (roles.rtspFiles) {
      const files = await startRtspFiles({
        ...roles.rtspFiles,
        cacheBytes: config.rtsp.cacheBytes,
        auth: rtspAuth,
      });
      rtsp = files;
      closers.push(() => files.close());
    }
    const recording = roles.record
      ? (await import('./recording.js')).startRecording(config, roles.record)
      : undefined;
    if (recording) closers.push(() => recording.result.then(() => undefined).catch(() => undefined));
    return { app, httpAddress, rtsp, recording, close };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

/**
 * Hands the cameras service its live runtime, the live views (cameras and served files, with their
 * renditions) to the API, and a recording manager, with retention sweeps, and joins the nodes
 * sharing the database (docs/nodes.md): the cameras this node gets a lease on are put into the
 * runtime and, when switched on, recorded.
 */
async function wireCameras(
  config: KadrConfig,
  app: KadrApp,
  live: LiveCameras,
  files: ServedFiles | undefined,
  rtspAt: { host: string; port: number },
  httpAddress: string | undefined,
  logger: Logger,
  closers: (() => Promise<void>)[],
): Promise<void> {
  app.cameras.useRtspAddress(rtspAt.host, rtspAt.port);
  const { CameraNodes } = await import('../app/index.js');
  const { CameraLeasesRepository } = await import('../db/index.js');
  const nodeConfig = config.node;
  const httpUrl = nodeConfig.url ?? advertised(httpAddress ?? `http://${config.server.host}:0`);
  const httpPort = new URL(httpUrl).port || '80';
  const nodes = new CameraNodes({
    repo: new CameraLeasesRepository(app.db.pool),
    node: {
      id: nodeConfig.id ?? `${os.hostname()}:${httpPort}`,
      httpUrl,
      rtspUrl: `rtsp://${nodeConfig.url ? new URL(httpUrl).hostname : advertisedHost(rtspAt.host)}:${rtspAt.port}`,
    },
    heartbeatMs: nodeConfig.heartbeatMs,
    leaseMs: nodeConfig.leaseMs,
    log: logger.child({ module: 'nodes' }),
  });
  app.cameras.useNodes(nodes);
  await app.cameras.useRuntime(live);
  const views = new LiveViews(live, {
    ladder: config.live.ladder,
    renditionLingerMs: config.live.renditionLingerMs,
    preset: config.live.preset,
    ...(files ? { files } : {}),
    logger: logger.child({ module: 'live-views' }),
  });
  closers.push(() => views.close());
  app.live.use(views);
  const { RecordingManager, nodeCameraSpool } = await import('../app/index.js');
  const { CameraRecordingsRepository } = await import('../db/index.js');
  const manager = new RecordingManager({
    repo: new CameraRecordingsRepository(app.db.pool),
    store: app.store,
    feeds: { subscribe: (id) => live.acquire(id, 'recorder'), stream: (id) => live.stream(id) },
    spoolDir: nodeCameraSpool(
      config.paths.spoolRoot,
      nodes.node.id,
      logger.child({ module: 'camera-recording' }),
    ),
    segmentDurationMs: config.server.cameraSegmentMs,
    logger: logger.child({ module: 'camera-recording' }),
  });
  closers.push(() => manager.close());
  await app.cameras.useRecording(manager);
  // Analytics are one more consumer of each camera's hub; they stop before the runtime closes.
  await app.analytics.useFeeds(
    { subscribe: (id) => live.acquire(id, 'analytics'), stream: (id) => live.stream(id) },
    (id) => live.ids.includes(id),
  );
  closers.push(() => app.analytics.close());
  manager.startSweeps(RETENTION_SWEEP_MS);
  // Closed before the recorder and the runtime: each camera's last segment is stored, then its
  // lease is given back, so the node that takes it next finds that segment.
  closers.push(() => nodes.close());
  await nodes.start(app.cameras);
}

/** The host other nodes and clients dial: a wildcard listen address is no address. */
function advertisedHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '[::]') return os.hostname();
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** An HTTP address as other nodes reach it (http://0.0.0.0:8080 -> http://<host name>:8080). */
function advertised(address: string): string {
  const url = new URL(address);
  url.hostname = advertisedHost(url.hostname);
  return url.origin;
}

/**
 * The WebRTC server of the live view (one per process: every viewer on config.webrtc.port). Its UDP
 * port is bound here; one another program holds turns the WebRTC live view off with a warning, not
 * the cameras and the recording (the same way a restream without credentials stays on loopback).
 */
async function startWebRtc(config: KadrConfig, logger: Logger): Promise<WebRtcServer> {
  const { WebRtcServer } = await import('../webrtc/index.js');
  const { port, hosts } = config.webrtc;
  const log = logger.child({ module: 'webrtc' });
  const server = new WebRtcServer({ port, hosts, logger: log });
  if (!server.start()) {
    log.warn(`WebRTC live view off: UDP port ${port} is taken; set KADR_WEBRTC_PORT to a free port`, {
      port,
    });
  }
  return server;
}

/** How often retention runs. */
const RETENTION_SWEEP_MS = 60_000;

/** Credentials for an RTSP server: both of user and password, or none. */
function credentials(config: KadrConfig): { user: string; password: string } | undefined {
  const { user, password } = config.rtsp;
  return user && password ? { user, password } : undefined;
}

/** What can be refused before anything starts. */
function checkRoles(config: KadrConfig, roles: KadrRoles): void {
  if (roles.mediaFolder && config.rtsp.mediaDir) {
    const { host } = config.server;
    if (!isLoopback(host) && !credentials(config)) {
      throw new KadrError('KADR_ERR_CONFIG', `refusing to serve RTSP on ${host} without authentication`, {
        hint: 'set KADR_RTSP_USER and KADR_RTSP_PASSWORD',
      });
    }
  }
  if (roles.rtspFiles) {
    const { user, password } = config.rtsp;
    if ((user === undefined) !== (password === undefined)) {
      throw new KadrError('KADR_ERR_USAGE', 'give both a user and a password, or neither');
    }
  }
}
