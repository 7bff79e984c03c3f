/**
 * Builds the analysis use cases (videos, profiles, jobs, workers) from the server configuration and
 * wires them. The composition root (src/main/start-kadr.ts) calls it; nothing else does. Roles: `api`
 * (HTTP use cases + live events) and `worker` (runs analysis jobs); `kadr serve` is both, `kadr
 * worker` only the second.
 */
import os from 'node:os';
import path from 'node:path';
import type { S3Environment, ServerConfig } from '../config/index.js';
import type { Logger } from '../core/logger.js';
import {
  CamerasRepository,
  CameraRecordingsRepository,
  CameraExportsRepository,
  CameraGroupsRepository,
  LiveAnalyticsRepository,
  openDatabase,
  ProfilesRepository,
  VideosRepository,
  type Database,
} from '../db/index.js';
import { JobQueue, queues } from '../jobs/index.js';
import { objectStoreFromEnv, sweepAbandonedWrites, type ObjectStore } from '../storage/index.js';
import { createVideoAnalysisHandler } from './video-analysis.job.js';
import { VideoEvents } from './video-events.js';
import { startVideoRecovery, type VideoRecovery } from './video-recovery.js';
import { VideosService } from './videos.service.js';
import { VideoFrames } from './video-frames.js';
import {
  createPeopleStep,
  ProfileCorrectionsService,
  ProfilePhotosService,
  ProfilesService,
  PhotoFaceProcess,
} from './profiles/index.js';
import { CameraGroups, CameraSecrets, CamerasService, CameraTriggers, PushCameras } from './cameras/index.js';
import { CameraPlayback } from './cameras/camera-playback.js';
import { CameraExports } from './cameras/camera-exports.js';
import { CameraFrameSessions } from './scrub/index.js';
import { IngestService, WhipService } from './ingest/index.js';
import { HlsMuxers, LiveViewsPort } from './live/index.js';
import { OnvifService } from './onvif/index.js';
import { EventCorrectionsService, LiveAnalyticsService } from './analytics/index.js';

export interface KadrApp {
  readonly config: ServerConfig;
  readonly log: Logger;
  readonly videos: VideosService;
  /** The exact frame of an uploaded video at t, compare, same moment (the timeline tools). */
  readonly videoFrames: VideoFrames;
  readonly profiles: ProfilesService;
  /** Profiles made from photos, and photos added to profiles. */
  readonly profilePhotos: ProfilePhotosService;
  readonly profileCorrections: ProfileCorrectionsService;
  readonly cameras: CamerasService;
  readonly store: ObjectStore;
  readonly db: Database;
  /** A camera's recording by absolute time (segments written by a RecordingManager). */
  readonly cameraPlayback: CameraPlayback;
  readonly cameraExports: CameraExports;
  /** Viewers stepping frame by frame through a recording, each with a warm decoder. */
  readonly frameSessions: CameraFrameSessions;
  readonly cameraGroups: CameraGroups;
  /** Triggered recordings of a camera group (clips that start at one instant). */
  readonly cameraTriggers: CameraTriggers;
  /** What a viewer can watch live (empty until the composition root hands in the runtime). */
  readonly live: LiveViewsPort;
  /** JPEG frames posted over HTTP, encoded into recordings as they arrive (docs/ingest.md). */
  readonly ingest: IngestService;
  /** WebRTC senders (WHIP: a browser's webcam), recorded and watchable while they send (docs/ingest.md). */
  readonly whip: WhipService;
  /** The LL-HLS muxers over `live`, one per stream and quality while someone watches. */
  readonly hls: HlsMuxers;
  /** ONVIF discovery, device look-up and adding a device's stream as a camera. */
  readonly onvif: OnvifService;
  /** Live analytics of cameras and their events (docs/live-analytics.md). */
  readonly analytics: LiveAnalyticsService;
  /** "This is not X" for a camera's face event. */
  readonly eventCorrections: EventCorrectionsService;
  /** Stops workers (running videos are saved and re-queued), then closes everything. */
  stop(): Promise<void>;
}

export interface AppRoles {
  api: boolean;
  worker: boolean;
}

export async function createApp(
  config: ServerConfig,
  options: {
    roles: AppRoles;
    log: Logger;
    s3: S3Environment;
    /** Where kadr's RTSP server listens (each camera's rtspUrl). */
    rtsp: { host: string; port: number };
  },
): Promise<KadrApp> {
  const log = options.log;
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    embeddedPort: config.embeddedPgPort,
    log,
  });
  const cleanups: (() => Promise<void> | void)[] = [() => db.close()];
  const shutdown = new AbortController();
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      shutdown.abort();
      for (const c of cleanups.reverse()) await c();
    })());
  try {
    const store = objectStoreFromEnv(options.s3, { dir: config.objectsDir });
    cleanups.push(sweepAbandonedWrites(store, log.child({ module: 'storage' })));
    const repo = new VideosRepository(db.pool);
    const sameDistance = config.profileDistance;
    const profiles = new ProfilesService({
      repo: new ProfilesRepository(db.pool),
      store,
      log: log.child({ module: 'profiles' }),
      sameDistance,
    });
    const profilePhotos = new ProfilePhotosService({
      repo: new ProfilesRepository(db.pool),
      store,
      log: log.child({ module: 'profiles' }),
      profiles,
      faces: new PhotoFaceProcess(log.child({ module: 'photo-faces' })),
    });
    cleanups.push(() => profilePhotos.close());
    const profileCorrections = new ProfileCorrectionsService({
      repo: new ProfilesRepository(db.pool),
      store,
      log: log.child({ module: 'profiles' }),
      profiles,
    });
    const queue = await JobQueue.start({ url: db.url, log });
    cleanups.push(() => queue.stop());

    let events: VideoEvents | undefined;
    if (options.roles.api) {
      events = new VideoEvents(db.url, repo, log.child({ module: 'video-events' }));
      await events.start();
      cleanups.push(() => events!.stop());
    }

    if (options.roles.worker && config.concurrency > 0) {
      queue.handle(
        queues.videoAnalyze,
        config.concurrency,
        createVideoAnalysisHandler({
          repo,
          store,
          queue,
          log: log.child({ module: 'video-analysis' }),
          threads: config.analysisThreads,
          workerId: `${os.hostname()}:${process.pid}`,
          shutdown: shutdown.signal,
          storageRetryMs: config.storageRetryMs,
          people: createPeopleStep({
            profiles,
            log: log.child({ module: 'video-people' }),
            threads: config.analysisThreads,
            sameDistance,
          }),
        }),
      );
      await queue.startWorkers();
      const recovery: VideoRecovery = await startVideoRecovery({
        repo,
        queue,
        log,
        staleAfterMs: config.staleAfterMs,
      });
      cleanups.push(() => recovery.stop());
      log.info('workers started', {
        concurrency: config.concurrency,
        threadsPerVideo: config.analysisThreads,
      });
    }

    const videos = new VideosService({
      repo,
      store,
      queue,
      events,
      log,
      uploadMaxBytes: config.uploadMaxBytes,
      onDeleted: () => profiles.removeOrphans().then(() => undefined),
    });
    const cameras = new CamerasService({
      repo: new CamerasRepository(db.pool),
      secrets: new CameraSecrets({
        key: config.secretKey,
        // Beside the embedded database's folder, never inside it: a copy of the database alone must
        // not carry the key. An external database has no folder of kadr's beside it.
        keyFile: config.databaseUrl ? undefined : path.join(config.dataDir, 'secret.key'),
        log: log.child({ module: 'cameras' }),
      }),
      log: log.child({ module: 'cameras' }),
      rtsp: options.rtsp,
    });
    if (options.roles.api) await cameras.checkCredentials();
    const recordings = new CameraRecordingsRepository(db.pool);
    const cameraPlayback = new CameraPlayback(recordings, store);
    const frameSessions = new CameraFrameSessions({ repo: recordings, store, playback: cameraPlayback });
    cleanups.push(() => frameSessions.closeAll());
    const cameraExports = new CameraExports({
      exports: new CameraExportsRepository(db.pool),
      recordings,
      playback: cameraPlayback,
      store,
      workDir: path.join(config.dataDir, 'exports'),
      log: log.child({ module: 'camera-exports' }),
    });
    if (options.roles.api) await cameraExports.recover();
    cleanups.push(() => cameraExports.drain());
    const groupsRepo = new CameraGroupsRepository(db.pool);
    const cameraGroups = new CameraGroups(groupsRepo);
    const cameraTriggers = new CameraTriggers({
      triggers: groupsRepo,
      groups: cameraGroups,
      cameras,
      recordings,
      exports: cameraExports,
      playback: cameraPlayback,
      segmentMs: config.cameraSegmentMs,
      log: log.child({ module: 'camera-triggers' }),
    });
    if (options.roles.api) await cameraTriggers.recover();
    // Before the exports drain (cleanups run in reverse): a trigger waiting stops queuing exports.
    cleanups.push(() => cameraTriggers.close());
    const analytics = new LiveAnalyticsService({
      repo: new LiveAnalyticsRepository(db.pool),
      profiles: new ProfilesRepository(db.pool),
      cameras,
      store,
      profileDistance: sameDistance,
      log: log.child({ module: 'live-analytics' }),
    });
    await analytics.load();
    cleanups.push(() => analytics.close());
    const eventCorrections = new EventCorrectionsService({
      repo: new ProfilesRepository(db.pool),
      store,
      log: log.child({ module: 'live-analytics' }),
      profiles,
      analytics,
    });
    const live = new LiveViewsPort();
    // Each ingest or WHIP session is the push camera of its name (docs/ingest.md).
    const pushCameras = new PushCameras({ cameras, recordings, log: log.child({ module: 'push-cameras' }) });
    const ingest = new IngestService({
      store,
      spoolDir: path.join(config.dataDir, 'ingest-spool'),
      idleMs: config.ingestIdleMs,
      log: log.child({ module: 'ingest' }),
      cameras: pushCameras,
    });
    if (options.roles.api) ingest.start();
    live.useIngest(ingest);
    cleanups.push(() => ingest.close());
    const whip = new WhipService({
      store,
      spoolDir: path.join(config.dataDir, 'whip-spool'),
      log: log.child({ module: 'whip' }),
      cameras: pushCameras,
    });
    if (options.roles.api) whip.start();
    live.useIngest(whip);
    cleanups.push(() => whip.close());
    const hls = new HlsMuxers(live, { logger: log.child({ module: 'hls' }) });
    cleanups.push(() => hls.close());
    const onvif = new OnvifService(cameras, log.child({ module: 'onvif' }));
    return {
      config,
      log,
      videos,
      videoFrames: new VideoFrames({ repo, store }),
      profiles,
      profilePhotos,
      profileCorrections,
      cameras,
      store,
      db,
      cameraPlayback,
      frameSessions,
      cameraExports,
      cameraGroups,
      cameraTriggers,
      live,
      ingest,
      whip,
      hls,
      onvif,
      analytics,
      eventCorrections,
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
