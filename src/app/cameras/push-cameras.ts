/**
 * Push cameras (docs/ingest.md, "Sessions become cameras"): a WHIP or JPEG ingest session under a
 * name is the camera of that name, made on the first session (transport 'push', no URL). While the
 * session runs, this node holds the camera's lease and its units go into the camera's hub in the live
 * runtime (streams/push-source.ts): restreamed over RTSP, watched, analysed like any camera. The
 * session's own recording is the camera's recording: when it is stored it becomes one row of
 * camera_segments (nothing is recorded or encoded twice), so the camera's recordings API and
 * frame-at-wallclock find it.
 */
import type { Logger } from '../../core/logger.js';
import type { MediaUnit } from '../../core/media-unit.js';
import type { CameraRecordingsRepository } from '../../db/index.js';
import { annexBNalUnits, streamFromKeyframe, type SegmentSummary } from '../../recorder/index.js';
import type { PushFeed, PushStream } from '../../streams/index.js';
import { KadrError, describeError } from '../../core/errors.js';
import type { PushCameraPort, PushLink } from '../ingest/push-camera-port.js';
import type { CamerasService } from './cameras.service.js';
import { segmentRow } from './recording-manager.js';

export interface PushCamerasOptions {
  cameras: CamerasService;
  recordings: CameraRecordingsRepository;
  log: Logger;
}

export class PushCameras implements PushCameraPort {
  /** Names with a session open on this node (one session per camera). */
  private readonly sending = new Set<string>();

  constructor(private readonly o: PushCamerasOptions) {}

  async open(name: string): Promise<PushLink> {
    if (this.sending.has(name)) throw busy(name);
    this.sending.add(name);
    let held: { id: string; input: Awaited<ReturnType<CamerasService['openPush']>>['input'] };
    try {
      held = await this.o.cameras.openPush(name);
      if (held.input?.attached) throw busy(name);
    } catch (error) {
      this.sending.delete(name);
      throw error;
    }
    const { id, input } = held;
    const log = this.o.log.child({ camera: id, name });
    let feed: PushFeed | null = null;
    let refused = false;
    let ended = false;
    return {
      cameraId: id,
      unit: (unit) => {
        if (!input || refused || ended) return;
        if (!feed) {
          const stream = unit.key ? pushStream(unit) : null;
          if (!stream) return;
          try {
            feed = input.attach(stream);
          } catch (error) {
            refused = true;
            log.warn('the camera took no units from this session', { error: describeError(error) });
            return;
          }
        }
        feed.unit(unit);
      },
      end: async (reason) => {
        if (ended) return;
        ended = true;
        feed?.end(reason);
        this.sending.delete(name);
        await this.o.cameras
          .closePush(id)
          .catch((error: unknown) =>
            log.warn('could not give the push camera back', { error: describeError(error) }),
          );
      },
    };
  }

  async recorded(name: string, summary: SegmentSummary, cameraId?: string): Promise<void> {
    // By id when the session knows it: the camera may have been renamed while the session ran.
    const id = cameraId ?? (await this.o.cameras.pushCamera(name))?.id;
    if (!id) {
      this.o.log.warn('a session recording whose push camera is gone: not listed', { key: summary.key });
      return;
    }
    await this.o.recordings.insertSegment(segmentRow(id, summary));
    this.o.log.info('session recording listed as a camera segment', {
      camera: id,
      key: summary.key,
      endReason: summary.endReason,
    });
  }
}

const busy = (name: string) =>
  new KadrError('KADR_ERR_CONFLICT', `camera '${name}' has a session sending already`, {
    hint: 'end that session first, or send under another name',
  });

/** The stream of a session's first keyframe, with its parameter sets for the restream's SDP. */
function pushStream(unit: MediaUnit): PushStream | null {
  const described = streamFromKeyframe(unit);
  if (!described) return null;
  const isHevc = described.info.codec === 'hevc';
  const sets = annexBNalUnits(unit.data)
    .filter((n) => {
      if (n.length < 2) return false;
      const type = isHevc ? (n[0]! >> 1) & 0x3f : n[0]! & 0x1f;
      return isHevc ? type >= 32 && type <= 34 : type === 7 || type === 8;
    })
    .map((n) => Buffer.from(n));
  return {
    info: { ...described.info, parameterSets: sets },
    track: described.track,
    reorderDepth: described.reorderDepth,
  };
}
