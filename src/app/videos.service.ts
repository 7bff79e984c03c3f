/**
 * Video use cases: upload (streamed into object storage), list, get, pause, resume, cancel,
 * delete, live events. Status changes are conditional UPDATEs on the row (the truth); workers
 * anywhere see them on their next heartbeat.
 */
import { randomUUID } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { KadrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { VideoRow, VideoStatus, VideosRepository } from '../db/index.js';
import { queues, type JobQueue } from '../jobs/index.js';
import type { ObjectStore } from '../storage/index.js';
import { toVideoDto, type VideoDto } from './video.dto.js';
import type { VideoEventListener, VideoEvents } from './video-events.js';

export interface UploadFile {
  filename: string;
  contentType: string | null;
  stream: Readable;
}

export interface VideoPage {
  items: VideoDto[];
  page: number;
  size: number;
  hasNextPage: boolean;
}

export interface VideosServiceDeps {
  repo: VideosRepository;
  store: ObjectStore;
  queue: JobQueue;
  events: VideoEvents | undefined;
  log: Logger;
  uploadMaxBytes: number;
}

/** Counts bytes and fails the stream past the limit, so that nothing larger reaches storage. */
function limitBytes(max: number, filename: string, onLimit: (e: KadrError) => void): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      if (seen > max) {
        const error = new KadrError(
          'KADR_ERR_UPLOAD_TOO_LARGE',
          `'${filename}' is larger than the limit of ${max} bytes`,
          {
            hint: 'raise KADR_UPLOAD_MAX_BYTES or upload a smaller file',
          },
        );
        onLimit(error);
        cb(error);
      } else cb(null, chunk);
    },
  });
}

/**
 * No file-name extension in the key: FFmpeg then recognises the format from the content alone.
 * With the client's extension it would trust it, and e.g. any `.txt` opens as a "video" through
 * FFmpeg's tty (ANSI art) demuxer.
 */
function objectKeyFor(id: string): string {
  return `videos/${id}/source`;
}

export class VideosService {
  constructor(private readonly deps: VideosServiceDeps) {}

  async upload(file: UploadFile): Promise<VideoDto> {
    const id = randomUUID();
    const filename = file.filename.slice(0, 255) || 'upload';
    const key = objectKeyFor(id);
    // The store reports a failed source as its own write error; the cause the client must see
    // is ours (too large) or the source's (client gone, multipart limits).
    let cause: Error | undefined;
    const limited = file.stream.pipe(limitBytes(this.deps.uploadMaxBytes, filename, (e) => (cause ??= e)));
    file.stream.once('error', (e) => {
      cause ??= e;
      limited.destroy(e);
    });
    let size: number;
    try {
      const info = await this.deps.store.put(
        key,
        limited,
        file.contentType ? { contentType: file.contentType } : {},
      );
      size = info.size;
    } catch (error) {
      file.stream.resume(); // drain the rest of this part so the next one can be read
      await this.deps.store.delete(key).catch(() => undefined);
      throw cause ?? error;
    }
    const row = await this.deps.repo.insert({
      id,
      filename,
      contentType: file.contentType,
      sizeBytes: size,
      objectKey: key,
    });
    await this.deps.queue.send(queues.videoAnalyze, { videoId: id });
    this.deps.log.info('video uploaded', { video: id, filename, bytes: size });
    return toVideoDto(row);
  }

  async list(q: { page: number; size: number; status?: VideoStatus | undefined }): Promise<VideoPage> {
    const res = await this.deps.repo.list({ offset: (q.page - 1) * q.size, limit: q.size, status: q.status });
    return { items: res.items.map(toVideoDto), page: q.page, size: q.size, hasNextPage: res.hasNextPage };
  }

  async get(id: string): Promise<VideoDto> {
    return toVideoDto(await this.row(id));
  }

  pause(id: string): Promise<VideoDto> {
    return this.move(id, ['queued', 'processing'], 'paused');
  }

  async resume(id: string): Promise<VideoDto> {
    const dto = await this.move(id, ['paused'], 'queued', ['processing']);
    if (dto.status === 'queued') await this.deps.queue.send(queues.videoAnalyze, { videoId: id });
    return dto;
  }

  cancel(id: string): Promise<VideoDto> {
    return this.move(id, ['queued', 'processing', 'paused'], 'cancelled');
  }

  /** Deletes the row (a worker on it stops at its next heartbeat) and the stored file. */
  async remove(id: string): Promise<void> {
    const row = await this.deps.repo.delete(id);
    if (!row) throw notFound(id);
    await this.deps.store
      .delete(row.objectKey)
      .catch((e: unknown) =>
        this.deps.log.warn('stored file not deleted', { video: id, key: row.objectKey, error: String(e) }),
      );
  }

  subscribe(listener: VideoEventListener): () => void {
    if (!this.deps.events)
      throw new KadrError('KADR_ERR_INTERNAL', 'live events are not enabled in this process');
    return this.deps.events.subscribe(listener);
  }

  private async row(id: string): Promise<VideoRow> {
    const row = await this.deps.repo.get(id);
    if (!row) throw notFound(id);
    return row;
  }

  /** A conditional status change; asking for the state a video is already in is not an error. */
  private async move(
    id: string,
    from: VideoStatus[],
    to: VideoStatus,
    alsoFine: VideoStatus[] = [],
  ): Promise<VideoDto> {
    const moved = await this.deps.repo.transition(id, from, to);
    if (moved) return toVideoDto(moved);
    const row = await this.row(id);
    if (row.status === to || alsoFine.includes(row.status)) return toVideoDto(row);
    throw new KadrError(
      'KADR_ERR_CONFLICT',
      `video ${id} is ${row.status}; it can become ${to} only from ${from.join(' or ')}`,
    );
  }
}

function notFound(id: string): KadrError {
  return new KadrError('KADR_ERR_NOT_FOUND', `no video with id ${id}`);
}
